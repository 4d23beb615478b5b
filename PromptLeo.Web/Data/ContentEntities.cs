using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Data;

// Columns named *Cipher hold AES-GCM ciphertext made by UserContentCipher; nothing in them is readable without the
// owner's data key. Everything else in these rows is metadata without content.

/// <summary>The per-user data key, wrapped by the Data Protection master key, kept in <see cref="DataKeyDbContext"/>. Deleting the row shreds the content.</summary>
public class UserDataKey
{
    [Key, MaxLength(450)]
    public string UserId { get; set; } = "";

    public byte[] WrappedKey { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}

public class Conversation
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    [MaxLength(450)]
    public string UserId { get; set; } = "";

    public byte[] TitleCipher { get; set; } = [];

    public byte[]? SystemPromptCipher { get; set; }

    [MaxLength(200)]
    public string? ModelId { get; set; }

    public float Temperature { get; set; } = 0.7f;

    public float TopP { get; set; } = 0.95f;

    public int MaxTokens { get; set; } = 512;

    public int? Seed { get; set; }

    public bool Pinned { get; set; }

    /// <summary>Attached knowledge collections: ids (no content), comma-separated; empty = none.</summary>
    [MaxLength(2000)]
    public string CollectionIds { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;

    public List<ConversationMessage> Messages { get; set; } = [];
}

public class ConversationMessage
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid ConversationId { get; set; }

    public Conversation? Conversation { get; set; }

    /// <summary>Depth in the conversation, 0-based: versions of one message (edits, regenerated answers) share it.</summary>
    public int Ordinal { get; set; }

    /// <summary>The message this one answers or follows; null for the first. Siblings (same parent) are versions of each other.</summary>
    public Guid? ParentId { get; set; }

    /// <summary>The version shown among its siblings; the conversation's active path follows selected messages from the root.</summary>
    public bool Selected { get; set; } = true;

    /// <summary>"user" or "assistant".</summary>
    [MaxLength(16)]
    public string Role { get; set; } = "user";

    public byte[] ContentCipher { get; set; } = [];

    [MaxLength(200)]
    public string? ModelId { get; set; }

    public int InputTokens { get; set; }

    public int OutputTokens { get; set; }

    /// <summary>Stopped, failed or cut off: the text is what was produced before that.</summary>
    public bool Incomplete { get; set; }

    [MaxLength(32)]
    public string? FinishReason { get; set; }

    /// <summary>EUR charged for this answer, once billing records it.</summary>
    public decimal? Cost { get; set; }

    [MaxLength(64)]
    public string? RequestId { get; set; }

    /// <summary>Encrypted JSON list of the knowledge passages the answer was given (its numbered sources); null without collections.</summary>
    public byte[]? CitationsCipher { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}

public class ChatPreset
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    [MaxLength(450)]
    public string UserId { get; set; } = "";

    public byte[] NameCipher { get; set; } = [];

    public byte[] SystemPromptCipher { get; set; } = [];

    public float Temperature { get; set; } = 0.7f;

    public float TopP { get; set; } = 0.95f;

    public int MaxTokens { get; set; } = 512;

    /// <summary>Knowledge collections the preset attaches: ids, comma-separated; empty = none.</summary>
    [MaxLength(2000)]
    public string CollectionIds { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}

public class GeneratedImage
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    [MaxLength(450)]
    public string UserId { get; set; } = "";

    /// <summary>"txt2img", "img2img", "inpaint" or "background-removal".</summary>
    [MaxLength(32)]
    public string Kind { get; set; } = "txt2img";

    [MaxLength(200)]
    public string ModelId { get; set; } = "";

    /// <summary>Encrypted JSON: prompt, negative prompt, steps, guidance, scheduler, seed, strength.</summary>
    public byte[] ParametersCipher { get; set; } = [];

    public int Width { get; set; }

    public int Height { get; set; }

    /// <summary>Encrypted PNG file name inside the user's folder under the data folder's <c>files</c>.</summary>
    [MaxLength(100)]
    public string FileName { get; set; } = "";

    public long ByteSize { get; set; }

    [MaxLength(64)]
    public string? RequestId { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}

/// <summary>Art. 30 style evidence of one inference request. Never holds content.</summary>
public class ProcessingRecord
{
    [Key, MaxLength(64)]
    public string RequestId { get; set; } = "";

    public DateTimeOffset At { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>The user's id: a random GUID with no meaning once the account is erased.</summary>
    [MaxLength(450)]
    public string SubjectId { get; set; } = "";

    /// <summary>"portal" or "api".</summary>
    [MaxLength(16)]
    public string Channel { get; set; } = "portal";

    [MaxLength(64)]
    public string Purpose { get; set; } = "";

    [MaxLength(200)]
    public string ModelId { get; set; } = "";

    [MaxLength(200)]
    public string DataCategories { get; set; } = "";

    [MaxLength(64)]
    public string LegalBasis { get; set; } = "";

    [MaxLength(100)]
    public string Node { get; set; } = "";

    [MaxLength(16)]
    public string Region { get; set; } = "";

    /// <summary>"started" while inference runs, then "completed", "cancelled", "failed" or "interrupted" (the process died).</summary>
    [MaxLength(16)]
    public string Outcome { get; set; } = "completed";

    /// <summary>When the request ended; null while it runs.</summary>
    public DateTimeOffset? FinishedAt { get; set; }

    public DateTimeOffset RetentionUntil { get; set; }
}
