using System.IO.Compression;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Knowledge;

/// <summary>
/// Knowledge's part in the Art. 15/20 export: every uploaded original under <c>knowledge/files/</c>, and
/// <c>knowledge/collections.json</c> with the collections, their documents and each document's chunk texts with page and heading.
/// </summary>
public sealed class KnowledgeExportContributor(UserContentCipher cipher, EncryptedFileStore files, KnowledgeChunkCodec codec) : IExportContributor
{
    /// <summary>One step per document.</summary>
    public Task<int> CountStepsAsync(AppDbContext db, string userId, CancellationToken cancellationToken) =>
        db.KnowledgeDocuments.CountAsync(d => d.UserId == userId, cancellationToken);

    private sealed record ExportedChunk(int Ordinal, int? Page, string? Heading, string Text);

    private sealed record ExportedDocument(KnowledgeDocument Row, string FileName, string? Entry, List<ExportedChunk> Chunks);

    public async Task<IReadOnlyDictionary<string, int>> WriteAsync(ExportArchive archive, AppDbContext db, CancellationToken cancellationToken)
    {
        var userId = archive.UserId;
        var collections = await db.KnowledgeCollections.AsNoTracking().Where(c => c.UserId == userId).OrderBy(c => c.CreatedAt).ToListAsync(cancellationToken);
        var documentIds = await db.KnowledgeDocuments.Where(d => d.UserId == userId).OrderBy(d => d.UploadedAt).Select(d => d.Id).ToListAsync(cancellationToken);
        var documents = new List<ExportedDocument>(documentIds.Count);
        var chunkCount = 0;
        // The originals first (a ZIP takes one open entry at a time); the index follows.
        foreach (var id in documentIds)
        {
            var row = await db.KnowledgeDocuments.AsNoTracking().FirstAsync(d => d.Id == id && d.UserId == userId, cancellationToken);
            var fileName = await codec.FileNameAsync(userId, row, cancellationToken);
            var original = await files.ReadAsync(userId, row.StoredFileName, ContentPurpose.KnowledgeFile, cancellationToken);
            string? entryName = null;
            if (original is not null)
            {
                entryName = $"knowledge/files/{row.Id:N}{SafeExtension(fileName)}";
                var entry = archive.Zip.CreateEntry(entryName, CompressionLevel.Fastest);
                await using var stream = await entry.OpenAsync(cancellationToken);
                await stream.WriteAsync(original, cancellationToken);
            }
            var chunks = new List<ExportedChunk>();
            foreach (var chunk in await db.KnowledgeChunks.AsNoTracking().Where(c => c.DocumentId == id && c.UserId == userId).OrderBy(c => c.Ordinal).ToListAsync(cancellationToken))
            {
                var (page, heading) = await codec.SourceAsync(userId, chunk, cancellationToken);
                chunks.Add(new ExportedChunk(chunk.Ordinal, page, heading, await codec.TextAsync(userId, chunk, cancellationToken)));
            }
            chunkCount += chunks.Count;
            documents.Add(new ExportedDocument(row, fileName, entryName, chunks));
            await archive.StepAsync();
        }
        var names = new Dictionary<Guid, string>();
        foreach (var collection in collections)
        {
            names[collection.Id] = await cipher.DecryptStringAsync(userId, ContentPurpose.KnowledgeCollectionName, collection.NameCipher, cancellationToken);
        }
        await archive.WriteJsonAsync("knowledge/collections.json", w =>
        {
            w.WriteStartArray();
            foreach (var collection in collections)
            {
                w.WriteStartObject();
                w.WriteString("id", collection.Id);
                w.WriteString("name", names[collection.Id]);
                w.WriteString("embeddingModel", collection.EmbeddingModelId);
                w.WriteString("createdAt", collection.CreatedAt);
                w.WriteStartArray("documents");
                foreach (var document in documents.Where(d => d.Row.CollectionId == collection.Id))
                {
                    WriteDocument(w, document);
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
        return new Dictionary<string, int>
        {
            ["knowledgeCollections"] = collections.Count,
            ["knowledgeDocuments"] = documents.Count,
            ["knowledgeChunks"] = chunkCount,
        };
    }

    private static void WriteDocument(System.Text.Json.Utf8JsonWriter w, ExportedDocument document)
    {
        w.WriteStartObject();
        w.WriteString("id", document.Row.Id);
        w.WriteString("fileName", document.FileName);
        w.WriteString("file", document.Entry);
        w.WriteNumber("bytes", document.Row.Bytes);
        w.WriteString("status", document.Row.Status.ToString());
        if (document.Row.PageCount is { } pages)
        {
            w.WriteNumber("pages", pages);
        }
        w.WriteString("uploadedAt", document.Row.UploadedAt);
        w.WriteStartArray("chunks");
        foreach (var chunk in document.Chunks)
        {
            w.WriteStartObject();
            w.WriteNumber("ordinal", chunk.Ordinal);
            if (chunk.Page is { } page)
            {
                w.WriteNumber("page", page);
            }
            w.WriteString("heading", chunk.Heading);
            w.WriteString("text", chunk.Text);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The original's extension when it is a plain one; the archive names files by id, never by the user's file name.</summary>
    private static string SafeExtension(string fileName)
    {
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        return KnowledgeService.SupportedExtensions.Contains(extension) ? extension : ".bin";
    }
}
