namespace PromptLeo.Web.Features.Knowledge;

// The contracts between the three parts of knowledge collections: the document library (extraction, chunking,
// hybrid ranking), the service (storage, encryption, ingestion, retrieval, chat and API) and the portal pages.

/// <summary>A stretch of a document's text with where it came from: page (PDF, 1-based) and the nearest heading.</summary>
public sealed record ExtractedSection(int? Page, string? Heading, string Text);

/// <param name="Format">"pdf", "docx", "markdown", "text" or "html".</param>
public sealed record ExtractedDocument(string Format, int? PageCount, IReadOnlyList<ExtractedSection> Sections);

/// <summary>A document the library cannot take; <see cref="Code"/> is stable (API error code), the message is for people.</summary>
/// <param name="Code">"unsupported_type", "too_large", "no_text" (a scanned PDF without text), "corrupt", "too_many", "not_found".</param>
public sealed class KnowledgeException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;
}

/// <summary>Reads a document's text with its positions. Throws <see cref="KnowledgeException"/> for what it cannot read.</summary>
public interface IDocumentExtractor
{
    ExtractedDocument Extract(string fileName, Stream content);
}

/// <summary>A piece of a document small enough to embed, with its source position.</summary>
public sealed record ChunkDraft(int Ordinal, int? Page, string? Heading, string Text);

public interface IDocumentChunker
{
    IReadOnlyList<ChunkDraft> Chunk(ExtractedDocument document);
}

/// <summary>One decrypted chunk held in a search index.</summary>
public sealed record IndexedChunk(Guid ChunkId, Guid CollectionId, float[] Vector, string Text);

/// <param name="Cosine">Cosine similarity of query and chunk vector.</param>
/// <param name="Bm25">The keyword score (0 when no query term occurs in the chunk).</param>
/// <param name="Score">The fused rank score (reciprocal rank fusion of both rankings).</param>
public sealed record RankedChunk(Guid ChunkId, double Score, double Cosine, double Bm25);

public enum KnowledgeDocumentStatus { Queued, Processing, Ready, Failed }

public sealed record KnowledgeCollectionSummary(Guid Id, string Name, int DocumentCount, int ChunkCount, long Bytes, DateTimeOffset CreatedAt);

/// <param name="Progress">0–100 while queued or processing; 100 when ready.</param>
/// <param name="ErrorCode">A <see cref="KnowledgeException.Code"/> when failed.</param>
public sealed record KnowledgeDocumentSummary(
    Guid Id, Guid CollectionId, string FileName, long Bytes, KnowledgeDocumentStatus Status, int Progress,
    int? PageCount, int ChunkCount, string? ErrorCode, DateTimeOffset UploadedAt);

/// <summary>A retrieved chunk with its source, as the chat prompt, the citation and the passage view show it.</summary>
public sealed record KnowledgePassage(Guid ChunkId, Guid DocumentId, Guid CollectionId, string FileName, int? Page, string? Heading, string Text, double Score);

/// <summary>A numbered source of an answer: "[1]" in the answer text refers to the citation with Number 1.</summary>
public sealed record KnowledgeCitation(int Number, Guid ChunkId, string FileName, int? Page, string? Heading);

/// <summary>Documents are deleted <paramref name="DocumentRetentionDays"/> after upload (null: when the user deletes them); chat retention never touches them.</summary>
public sealed record KnowledgeStorage(int? DocumentRetentionDays, bool ChatsStored);

/// <summary>
/// The signed-in user's collections. Every method is scoped to <c>userId</c>: another user's id gets
/// <see cref="KnowledgeException"/> "not_found", exactly like an id that does not exist.
/// </summary>
public interface IKnowledgeService
{
    Task<IReadOnlyList<KnowledgeCollectionSummary>> CollectionsAsync(string userId, CancellationToken cancellationToken = default);
    Task<KnowledgeCollectionSummary> CreateCollectionAsync(string userId, string name, CancellationToken cancellationToken = default);
    Task RenameCollectionAsync(string userId, Guid collectionId, string name, CancellationToken cancellationToken = default);
    Task DeleteCollectionAsync(string userId, Guid collectionId, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<KnowledgeDocumentSummary>> DocumentsAsync(string userId, Guid collectionId, CancellationToken cancellationToken = default);

    /// <summary>Stores the file (encrypted) and queues it; extraction, chunking and embedding run in the background.</summary>
    Task<KnowledgeDocumentSummary> UploadAsync(string userId, Guid collectionId, string fileName, Stream content, CancellationToken cancellationToken = default);

    /// <summary>The same upload through an API key: the document's ingestion (its embeddings) is metered against the key.</summary>
    Task<KnowledgeDocumentSummary> UploadAsync(string userId, Guid? apiKeyId, Guid collectionId, string fileName, Stream content, CancellationToken cancellationToken = default);

    /// <summary>How long the user's documents are kept, and whether chats are stored at all (the upload area says both).</summary>
    Task<KnowledgeStorage> StorageAsync(string userId, CancellationToken cancellationToken = default);

    Task DeleteDocumentAsync(string userId, Guid documentId, CancellationToken cancellationToken = default);

    /// <summary>The relevant passages of the given collections, best first; empty when nothing is relevant.</summary>
    Task<IReadOnlyList<KnowledgePassage>> SearchAsync(string userId, IReadOnlyCollection<Guid> collectionIds, string query, int topK, CancellationToken cancellationToken = default);

    /// <summary>The same search for an API key: the query's embedding is metered against the key (its budget, channel "api").</summary>
    Task<IReadOnlyList<KnowledgePassage>> SearchAsync(string userId, Guid? apiKeyId, IReadOnlyCollection<Guid> collectionIds, string query, int topK, CancellationToken cancellationToken = default);

    Task<KnowledgePassage> PassageAsync(string userId, Guid chunkId, CancellationToken cancellationToken = default);

    /// <summary>Raised (on any thread) when a document's status or progress changes; the argument is its owner's user id.</summary>
    event Action<string, KnowledgeDocumentSummary>? DocumentChanged;
}

/// <summary>A search index over decrypted chunks, held in memory only while it is used.</summary>
public interface IKnowledgeIndex
{
    int Count { get; }

    /// <summary>Bytes the index holds (vectors, term statistics), for the memory figures and the cache limit.</summary>
    long ApproximateBytes { get; }

    /// <summary>
    /// The best <paramref name="topK"/> relevant chunks by the fused rank. A chunk is relevant when a query term
    /// (stop words excluded) occurs in it or its cosine similarity reaches <paramref name="minCosine"/>.
    /// </summary>
    IReadOnlyList<RankedChunk> Search(ReadOnlySpan<float> queryVector, string queryText, int topK, double minCosine);
}

public interface IKnowledgeIndexBuilder
{
    IKnowledgeIndex Build(IReadOnlyList<IndexedChunk> chunks);
}
