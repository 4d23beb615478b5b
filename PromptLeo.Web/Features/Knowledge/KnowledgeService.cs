using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Metering;

namespace PromptLeo.Web.Features.Knowledge;

/// <summary>
/// The signed-in user's knowledge collections: names, documents and chunks encrypted with the user's data key, every
/// query filtered by the owner (another user's id behaves as an unknown one: "not_found"). Uploads are stored and
/// queued here; <see cref="KnowledgeIngestion"/> reads, chunks and embeds them in the background.
/// </summary>
public sealed class KnowledgeService(
    IDbContextFactory<AppDbContext> dbFactory,
    UserContentCipher cipher,
    EncryptedFileStore files,
    KnowledgeChunkCodec codec,
    KnowledgeIngestion ingestion,
    KnowledgeIndexCache indexes,
    IKnowledgeIndexBuilder indexBuilder,
    MeteredEmbeddings embeddings,
    IModelRegistry registry,
    KnowledgeEvents events,
    IOptions<KnowledgeOptions> options,
    TimeProvider time,
    ILogger<KnowledgeService> logger) : IKnowledgeService
{
    /// <summary>Longest collection name; longer names are cut.</summary>
    public const int MaxNameCharacters = 100;

    /// <summary>Upload types the extractor reads, by file extension.</summary>
    public static readonly IReadOnlySet<string> SupportedExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".pdf", ".docx", ".md", ".markdown", ".txt", ".text", ".html", ".htm",
    };

    /// <summary>The query text embedded for a search is cut to this length (longer prompts add nothing a passage could match better).</summary>
    private const int MaxQueryCharacters = 1_000;

    public event Action<string, KnowledgeDocumentSummary>? DocumentChanged
    {
        add => events.DocumentChanged += value;
        remove => events.DocumentChanged -= value;
    }

    public async Task<IReadOnlyList<KnowledgeCollectionSummary>> CollectionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.KnowledgeCollections.AsNoTracking().Where(c => c.UserId == userId).ToListAsync(cancellationToken);
        var totals = await db.KnowledgeDocuments.Where(d => d.UserId == userId)
            .GroupBy(d => d.CollectionId)
            .Select(g => new { CollectionId = g.Key, Documents = g.Count(), Chunks = g.Sum(d => d.ChunkCount), Bytes = g.Sum(d => d.Bytes) })
            .ToDictionaryAsync(t => t.CollectionId, cancellationToken);
        var result = new List<KnowledgeCollectionSummary>(rows.Count);
        foreach (var row in rows)
        {
            var total = totals.GetValueOrDefault(row.Id);
            result.Add(new KnowledgeCollectionSummary(row.Id, await NameAsync(userId, row, cancellationToken), total?.Documents ?? 0, total?.Chunks ?? 0, total?.Bytes ?? 0, row.CreatedAt));
        }
        return [.. result.OrderBy(c => c.Name, StringComparer.CurrentCultureIgnoreCase)];
    }

    public async Task<KnowledgeCollectionSummary> CreateCollectionAsync(string userId, string name, CancellationToken cancellationToken = default)
    {
        name = NormalizeName(name);
        var model = EmbeddingModel();
        var nameCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.KnowledgeCollectionName, name, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.KnowledgeCollections.CountAsync(c => c.UserId == userId, cancellationToken) >= options.Value.MaxCollectionsPerUser)
        {
            throw new KnowledgeException("too_many", $"You have reached the limit of {options.Value.MaxCollectionsPerUser} collections.");
        }
        var collection = new KnowledgeCollection { UserId = userId, NameCipher = nameCipher, EmbeddingModelId = model, CreatedAt = time.GetUtcNow() };
        db.KnowledgeCollections.Add(collection);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Knowledge collection {CollectionId} created for {UserId} with {ModelId}", collection.Id, userId, model);
        return new KnowledgeCollectionSummary(collection.Id, name, 0, 0, 0, collection.CreatedAt);
    }

    public async Task RenameCollectionAsync(string userId, Guid collectionId, string name, CancellationToken cancellationToken = default)
    {
        name = NormalizeName(name);
        var nameCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.KnowledgeCollectionName, name, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.KnowledgeCollections.Where(c => c.Id == collectionId && c.UserId == userId)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.NameCipher, nameCipher), cancellationToken) == 0)
        {
            throw NotFound();
        }
    }

    public async Task DeleteCollectionAsync(string userId, Guid collectionId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.KnowledgeCollections.AnyAsync(c => c.Id == collectionId && c.UserId == userId, cancellationToken))
        {
            throw NotFound();
        }
        var stored = await db.KnowledgeDocuments.Where(d => d.CollectionId == collectionId && d.UserId == userId).Select(d => d.StoredFileName).ToListAsync(cancellationToken);
        await db.KnowledgeChunks.Where(c => c.CollectionId == collectionId && c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.KnowledgeDocuments.Where(d => d.CollectionId == collectionId && d.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.KnowledgeCollections.Where(c => c.Id == collectionId && c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        foreach (var file in stored)
        {
            files.Delete(userId, file);
        }
        indexes.Forget(userId);
        logger.LogInformation("Knowledge collection {CollectionId} of {UserId} deleted with {Documents} documents", collectionId, userId, stored.Count);
    }

    public async Task<IReadOnlyList<KnowledgeDocumentSummary>> DocumentsAsync(string userId, Guid collectionId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await RequireCollectionAsync(db, userId, collectionId, cancellationToken);
        var rows = await db.KnowledgeDocuments.AsNoTracking().Where(d => d.CollectionId == collectionId && d.UserId == userId).ToListAsync(cancellationToken);
        var result = new List<KnowledgeDocumentSummary>(rows.Count);
        foreach (var row in rows.OrderByDescending(d => d.UploadedAt))
        {
            result.Add(Summary(row, await codec.FileNameAsync(userId, row, cancellationToken)));
        }
        return result;
    }

    public Task<KnowledgeDocumentSummary> UploadAsync(string userId, Guid collectionId, string fileName, Stream content, CancellationToken cancellationToken = default) =>
        UploadAsync(userId, null, collectionId, fileName, content, cancellationToken);

    public async Task<KnowledgeStorage> StorageAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.DocumentRetentionDays, u.ChatRetentionDays }).FirstOrDefaultAsync(cancellationToken)
            ?? throw NotFound();
        return new KnowledgeStorage(user.DocumentRetentionDays, user.ChatRetentionDays is not 0);
    }

    public async Task<KnowledgeDocumentSummary> UploadAsync(string userId, Guid? apiKeyId, Guid collectionId, string fileName, Stream content, CancellationToken cancellationToken = default)
    {
        fileName = Path.GetFileName(fileName ?? "").Trim();
        if (fileName.Length == 0 || fileName.Length > 255)
        {
            throw new KnowledgeException("unsupported_type", "The file needs a name of at most 255 characters.");
        }
        await using (var check = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            await RequireCollectionAsync(check, userId, collectionId, cancellationToken);
            if (await check.KnowledgeDocuments.CountAsync(d => d.CollectionId == collectionId && d.UserId == userId, cancellationToken) >= options.Value.MaxDocumentsPerCollection)
            {
                throw new KnowledgeException("too_many", $"A collection holds at most {options.Value.MaxDocumentsPerCollection} documents.");
            }
        }
        if (!SupportedExtensions.Contains(Path.GetExtension(fileName)))
        {
            throw new KnowledgeException("unsupported_type", "This file type is not supported. Upload PDF, DOCX, Markdown, plain text or HTML.");
        }
        var bytes = await ReadLimitedAsync(content, options.Value.MaxDocumentBytes, cancellationToken);
        var document = new KnowledgeDocument
        {
            CollectionId = collectionId,
            UserId = userId,
            FileNameCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.KnowledgeFileName, fileName, cancellationToken),
            Bytes = bytes.Length,
            UploadedAt = time.GetUtcNow(),
            ApiKeyId = apiKeyId,
        };
        document.StoredFileName = $"knowledge-{document.Id:N}.bin";
        await files.WriteAsync(userId, document.StoredFileName, ContentPurpose.KnowledgeFile, bytes, cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            db.KnowledgeDocuments.Add(document);
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            // The collection went meanwhile (foreign key) or the write failed: no orphaned file stays.
            files.Delete(userId, document.StoredFileName);
            throw;
        }
        logger.LogInformation("Knowledge document {DocumentId} ({Bytes} bytes) queued for {UserId}", document.Id, bytes.Length, userId);
        var summary = Summary(document, fileName);
        events.Raise(userId, summary);
        ingestion.Enqueue(document.Id);
        return summary;
    }

    public async Task DeleteDocumentAsync(string userId, Guid documentId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var document = await db.KnowledgeDocuments.AsNoTracking().FirstOrDefaultAsync(d => d.Id == documentId && d.UserId == userId, cancellationToken)
            ?? throw NotFound();
        await db.KnowledgeChunks.Where(c => c.DocumentId == documentId && c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.KnowledgeDocuments.Where(d => d.Id == documentId && d.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.KnowledgeCollections.Where(c => c.Id == document.CollectionId && c.UserId == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Version, c => c.Version + 1), cancellationToken);
        files.Delete(userId, document.StoredFileName);
        indexes.Forget(userId);
    }

    public Task<IReadOnlyList<KnowledgePassage>> SearchAsync(string userId, IReadOnlyCollection<Guid> collectionIds, string query, int topK, CancellationToken cancellationToken = default) =>
        SearchAsync(userId, null, collectionIds, query, topK, cancellationToken);

    public async Task<IReadOnlyList<KnowledgePassage>> SearchAsync(string userId, Guid? apiKeyId, IReadOnlyCollection<Guid> collectionIds, string query, int topK, CancellationToken cancellationToken = default)
    {
        var caller = new InferencePrincipal(userId, apiKeyId);
        var ids = collectionIds.Distinct().ToList();
        if (ids.Count == 0)
        {
            return [];
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var collections = await db.KnowledgeCollections.AsNoTracking().Where(c => c.UserId == userId && ids.Contains(c.Id))
            .Select(c => new { c.Id, c.EmbeddingModelId, c.Version }).ToListAsync(cancellationToken);
        if (collections.Count != ids.Count)
        {
            throw NotFound();
        }
        if (string.IsNullOrWhiteSpace(query))
        {
            return [];
        }
        query = query.Trim();
        topK = Math.Clamp(topK, 1, 50);
        var found = new List<(RankedChunk Rank, KnowledgePassage Passage)>();
        // Vectors of different models are not comparable: one index and one query vector per model.
        foreach (var group in collections.GroupBy(c => c.EmbeddingModelId))
        {
            var members = group.OrderBy(c => c.Id).ToList();
            var key = $"{group.Key}|{string.Join(',', members.Select(c => $"{c.Id:N}:{c.Version}"))}";
            var entry = await indexes.GetOrBuildAsync(userId, key, () => BuildAsync(userId, [.. members.Select(c => c.Id)], cancellationToken));
            if (entry.Index.Count == 0)
            {
                continue;
            }
            var embedded = await embeddings.EmbedAsync(caller, group.Key, [query.Length <= MaxQueryCharacters ? query : query[..MaxQueryCharacters]], null, null, cancellationToken);
            foreach (var rank in entry.Index.Search(embedded.Vectors[0], query, topK, options.Value.MinCosine))
            {
                if (entry.Sources.TryGetValue(rank.ChunkId, out var source))
                {
                    found.Add((rank, source with { Score = rank.Score }));
                }
            }
        }
        return [.. found.OrderByDescending(f => f.Rank.Score).Take(topK).Select(f => f.Passage)];
    }

    /// <summary>Decrypts the user's chunks of these (owned) collections and builds their index; only this user's rows are read.</summary>
    private async Task<KnowledgeIndexEntry> BuildAsync(string userId, IReadOnlyList<Guid> collectionIds, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var documents = await db.KnowledgeDocuments.AsNoTracking()
            .Where(d => d.UserId == userId && collectionIds.Contains(d.CollectionId) && d.Status == KnowledgeDocumentState.Ready)
            .ToListAsync(cancellationToken);
        var names = new Dictionary<Guid, string>();
        foreach (var document in documents)
        {
            names[document.Id] = await codec.FileNameAsync(userId, document, cancellationToken);
        }
        var chunks = await db.KnowledgeChunks.AsNoTracking()
            .Where(c => c.UserId == userId && collectionIds.Contains(c.CollectionId))
            .OrderBy(c => c.DocumentId).ThenBy(c => c.Ordinal)
            .ToListAsync(cancellationToken);
        var indexed = new List<IndexedChunk>(chunks.Count);
        var sources = new Dictionary<Guid, KnowledgePassage>(chunks.Count);
        foreach (var chunk in chunks)
        {
            if (!names.TryGetValue(chunk.DocumentId, out var fileName))
            {
                continue;
            }
            var text = await codec.TextAsync(userId, chunk, cancellationToken);
            var (page, heading) = await codec.SourceAsync(userId, chunk, cancellationToken);
            indexed.Add(new IndexedChunk(chunk.Id, chunk.CollectionId, await codec.VectorAsync(userId, chunk, cancellationToken), text));
            sources[chunk.Id] = new KnowledgePassage(chunk.Id, chunk.DocumentId, chunk.CollectionId, fileName, page, heading, text, 0);
        }
        return new KnowledgeIndexEntry(indexBuilder.Build(indexed), sources);
    }

    public async Task<KnowledgePassage> PassageAsync(string userId, Guid chunkId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var chunk = await db.KnowledgeChunks.AsNoTracking().FirstOrDefaultAsync(c => c.Id == chunkId && c.UserId == userId, cancellationToken) ?? throw NotFound();
        var document = await db.KnowledgeDocuments.AsNoTracking().FirstOrDefaultAsync(d => d.Id == chunk.DocumentId && d.UserId == userId, cancellationToken) ?? throw NotFound();
        var (page, heading) = await codec.SourceAsync(userId, chunk, cancellationToken);
        return new KnowledgePassage(chunk.Id, document.Id, chunk.CollectionId, await codec.FileNameAsync(userId, document, cancellationToken), page, heading,
            await codec.TextAsync(userId, chunk, cancellationToken), 0);
    }

    /// <summary>The model new collections embed with: the configured one, else the first installed embedding model.</summary>
    public string EmbeddingModel()
    {
        var configured = options.Value.EmbeddingModel;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }
        return registry.List().Where(s => s.Manifest.Kind == ModelKind.Embedding && s.State is not ModelState.Failed)
                   .OrderBy(s => s.Manifest.IsDemo).ThenBy(s => s.Manifest.Id, StringComparer.Ordinal)
                   .Select(s => s.Manifest.Id).FirstOrDefault()
               ?? throw new KnowledgeException("no_embedding_model", "No embedding model is installed. Ask an administrator to install one.");
    }

    internal static KnowledgeDocumentSummary Summary(KnowledgeDocument row, string fileName) =>
        new(row.Id, row.CollectionId, fileName, row.Bytes, (KnowledgeDocumentStatus)row.Status, row.Status == KnowledgeDocumentState.Ready ? 100 : row.Progress,
            row.PageCount, row.ChunkCount, row.ErrorCode, row.UploadedAt);

    internal static KnowledgeException NotFound() => new("not_found", "This collection or document was not found.");

    private async Task<string> NameAsync(string userId, KnowledgeCollection row, CancellationToken cancellationToken) =>
        await cipher.DecryptStringAsync(userId, ContentPurpose.KnowledgeCollectionName, row.NameCipher, cancellationToken);

    private static async Task RequireCollectionAsync(AppDbContext db, string userId, Guid collectionId, CancellationToken cancellationToken)
    {
        if (!await db.KnowledgeCollections.AnyAsync(c => c.Id == collectionId && c.UserId == userId, cancellationToken))
        {
            throw NotFound();
        }
    }

    private static string NormalizeName(string name)
    {
        var line = string.Join(' ', (name ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (line.Length == 0)
        {
            throw new KnowledgeException("invalid_name", "The collection needs a name.");
        }
        return line.Length <= MaxNameCharacters ? line : line[..MaxNameCharacters].TrimEnd();
    }

    private static async Task<byte[]> ReadLimitedAsync(Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81_920];
        int read;
        while ((read = await content.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new KnowledgeException("too_large", $"The file is larger than {maxBytes / (1024 * 1024.0):0.#} MB.");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
