using System.Runtime.InteropServices;
using System.Text.Json;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;

namespace PromptLeo.Web.Features.Knowledge;

/// <summary>Encrypts and decrypts a chunk's text, vector and source position with its owner's data key.</summary>
public sealed class KnowledgeChunkCodec(UserContentCipher cipher)
{
    private sealed record Meta(int? Page, string? Heading);

    public async Task<KnowledgeChunk> EncryptAsync(string userId, Guid documentId, Guid collectionId, ChunkDraft draft, float[] vector, CancellationToken cancellationToken) => new()
    {
        DocumentId = documentId,
        CollectionId = collectionId,
        UserId = userId,
        Ordinal = draft.Ordinal,
        TextCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.KnowledgeChunkText, draft.Text, cancellationToken),
        // Little-endian float32, as every platform .NET runs on stores it.
        VectorCipher = await cipher.EncryptAsync(userId, ContentPurpose.KnowledgeChunkVector, MemoryMarshal.AsBytes(vector.AsSpan()).ToArray(), cancellationToken),
        MetaCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.KnowledgeChunkMeta, JsonSerializer.Serialize(new Meta(draft.Page, draft.Heading), JsonSerializerOptions.Web), cancellationToken),
    };

    public async Task<string> TextAsync(string userId, KnowledgeChunk chunk, CancellationToken cancellationToken) =>
        await cipher.DecryptStringAsync(userId, ContentPurpose.KnowledgeChunkText, chunk.TextCipher, cancellationToken);

    public async Task<float[]> VectorAsync(string userId, KnowledgeChunk chunk, CancellationToken cancellationToken) =>
        MemoryMarshal.Cast<byte, float>(await cipher.DecryptAsync(userId, ContentPurpose.KnowledgeChunkVector, chunk.VectorCipher, cancellationToken)).ToArray();

    public async Task<(int? Page, string? Heading)> SourceAsync(string userId, KnowledgeChunk chunk, CancellationToken cancellationToken)
    {
        var meta = JsonSerializer.Deserialize<Meta>(await cipher.DecryptStringAsync(userId, ContentPurpose.KnowledgeChunkMeta, chunk.MetaCipher, cancellationToken), JsonSerializerOptions.Web)!;
        return (meta.Page, meta.Heading);
    }

    public async Task<string> FileNameAsync(string userId, KnowledgeDocument document, CancellationToken cancellationToken) =>
        await cipher.DecryptStringAsync(userId, ContentPurpose.KnowledgeFileName, document.FileNameCipher, cancellationToken);
}
