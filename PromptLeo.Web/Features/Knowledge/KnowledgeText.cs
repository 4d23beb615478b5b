using System.Globalization;
using Microsoft.Extensions.Localization;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Knowledge;

/// <summary>What the knowledge pages say about sizes, statuses and <see cref="KnowledgeException"/> codes, in the user's language.</summary>
public static class KnowledgeText
{
    /// <summary>The file types an upload accepts, as the file picker's accept list.</summary>
    public const string AcceptedTypes = ".pdf,.docx,.md,.markdown,.txt,.html,.htm";

    public static bool IsAcceptedFileName(string fileName) =>
        AcceptedTypes.Split(',').Contains(Path.GetExtension(fileName), StringComparer.OrdinalIgnoreCase);

    /// <summary>"512 B", "1.5 KB", "20 MB" (1024-based, the culture's decimal separator).</summary>
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : value.ToString(value < 10 ? "0.#" : "0", CultureInfo.CurrentCulture) + " " + units[unit];
    }

    public static string Status(KnowledgeDocumentStatus status, IStringLocalizer<KnowledgeResource> T) => status switch
    {
        KnowledgeDocumentStatus.Queued => T["Queued"],
        KnowledgeDocumentStatus.Processing => T["Processing"],
        KnowledgeDocumentStatus.Ready => T["Ready"],
        _ => T["Failed"],
    };

    /// <summary>The message for a <see cref="KnowledgeException.Code"/>; never the exception's own (English) text.</summary>
    public static string Error(string? code, IStringLocalizer<KnowledgeResource> T, KnowledgeOptions limits) => code switch
    {
        "unsupported_type" => T["This file type is not supported. Upload PDF, Word (DOCX), Markdown, text or HTML files."],
        "too_large" => T["The document is too large: at most {0} and {1} pages per document.", Bytes(limits.MaxDocumentBytes), limits.MaxPages],
        "no_text" => T["No text found: this looks like a scanned PDF. Text recognition (OCR) is not supported yet; upload a PDF with a text layer."],
        "corrupt" => T["The file could not be read: it is damaged or protected."],
        "too_many" => T["Too many: at most {0} collections and {1} documents per collection.", limits.MaxCollectionsPerUser, limits.MaxDocumentsPerCollection],
        "not_found" => T["Not found: it may have been deleted."],
        "invalid_name" => T["The name must not be empty."],
        "no_embedding_model" => T["No embedding model is installed, so documents cannot be indexed. An administrator can install one."],
        _ => T["The document could not be processed."],
    };
}
