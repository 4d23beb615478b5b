namespace PromptLeo.Web.Features.Knowledge.Documents;

/// <summary>
/// The <see cref="KnowledgeException"/>s of the document library: a stable code (the API error code, and the key by
/// which the pages show a German or English text) and an English message for people.
/// </summary>
public static class DocumentErrors
{
    public const string UnsupportedType = "unsupported_type";
    public const string TooLarge = "too_large";
    public const string NoText = "no_text";
    public const string Corrupt = "corrupt";

    public static KnowledgeException Unsupported(string fileName) => new(UnsupportedType,
        $"Files of this type cannot be added to a collection ({Extension(fileName)}). Supported are PDF, DOCX, Markdown, plain text and HTML.");

    public static KnowledgeException NotText() => new(UnsupportedType,
        "The file is not text: it contains binary data. Supported are PDF, DOCX, Markdown, plain text and HTML.");

    public static KnowledgeException TooManyBytes(long limitBytes) => new(TooLarge,
        $"The document is larger than the limit of {limitBytes / (1024.0 * 1024.0):0.#} MB.");

    public static KnowledgeException TooManyPages(int pages, int limitPages) => new(TooLarge,
        $"The document has {pages} pages; the limit is {limitPages}.");

    public static KnowledgeException ScannedPdf() => new(NoText,
        "The PDF contains no text layer, it looks scanned. Scanned documents cannot be read yet (no OCR): upload a PDF with selectable text.");

    public static KnowledgeException Empty() => new(NoText, "The document contains no text.");

    public static KnowledgeException Damaged(string format, Exception inner) => new(Corrupt,
        $"The {format} file is damaged or encrypted and cannot be read. Save it again without a password and upload it once more.", inner);

    private static string Extension(string fileName) =>
        Path.GetExtension(fileName) is { Length: > 0 } extension ? extension.ToLowerInvariant() : "no extension";
}
