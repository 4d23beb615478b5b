namespace PromptLeo.Web.Features.Knowledge.Documents;

/// <summary>The values of <see cref="ExtractedDocument.Format"/> and the file extensions each one is read from.</summary>
public static class DocumentFormats
{
    public const string Pdf = "pdf";
    public const string Docx = "docx";
    public const string Markdown = "markdown";
    public const string Text = "text";
    public const string Html = "html";

    public static readonly IReadOnlyDictionary<string, string> ByExtension = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".pdf"] = Pdf,
        [".docx"] = Docx,
        [".md"] = Markdown,
        [".markdown"] = Markdown,
        [".txt"] = Text,
        [".text"] = Text,
        [".html"] = Html,
        [".htm"] = Html,
    };

    /// <summary>The format of a file name, or null when the library cannot read it.</summary>
    public static string? Of(string fileName) => ByExtension.GetValueOrDefault(Path.GetExtension(fileName));
}
