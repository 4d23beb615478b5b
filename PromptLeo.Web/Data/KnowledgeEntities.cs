using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Data;

// Knowledge collections. As in ContentEntities, *Cipher columns hold ciphertext of the owner's data key: names, texts,
// embedding vectors and source positions alike (vectors can be inverted to text, so they are content too).

public class KnowledgeCollection
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    [MaxLength(450)]
    public string UserId { get; set; } = "";

    public byte[] NameCipher { get; set; } = [];

    /// <summary>The model the collection's vectors were made with; kept for the collection's life, so old and new vectors stay comparable.</summary>
    [MaxLength(200)]
    public string EmbeddingModelId { get; set; } = "";

    /// <summary>Raised whenever a document becomes ready or goes; cached search indexes of another version are stale.</summary>
    public long Version { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}

/// <summary>A document's state; the same members as the service's <c>KnowledgeDocumentStatus</c> (Data names no feature).</summary>
public enum KnowledgeDocumentState { Queued, Processing, Ready, Failed }

public class KnowledgeDocument
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid CollectionId { get; set; }

    [MaxLength(450)]
    public string UserId { get; set; } = "";

    public byte[] FileNameCipher { get; set; } = [];

    /// <summary>The encrypted original in the user's folder under the data folder's <c>files</c>.</summary>
    [MaxLength(100)]
    public string StoredFileName { get; set; } = "";

    /// <summary>Size of the original (plaintext) file.</summary>
    public long Bytes { get; set; }

    public KnowledgeDocumentState Status { get; set; } = KnowledgeDocumentState.Queued;

    public int Progress { get; set; }

    public int? PageCount { get; set; }

    public int ChunkCount { get; set; }

    [MaxLength(32)]
    public string? ErrorCode { get; set; }

    public DateTimeOffset UploadedAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>The API key that uploaded the document (its ingestion is billed to that key); null for a portal upload.</summary>
    public Guid? ApiKeyId { get; set; }
}

public class KnowledgeChunk
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid DocumentId { get; set; }

    public Guid CollectionId { get; set; }

    [MaxLength(450)]
    public string UserId { get; set; } = "";

    public int Ordinal { get; set; }

    public byte[] TextCipher { get; set; } = [];

    /// <summary>The embedding as little-endian float32, encrypted.</summary>
    public byte[] VectorCipher { get; set; } = [];

    /// <summary>Encrypted JSON: page and heading.</summary>
    public byte[] MetaCipher { get; set; } = [];
}
