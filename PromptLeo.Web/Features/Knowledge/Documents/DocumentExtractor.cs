using Microsoft.Extensions.Options;

namespace PromptLeo.Web.Features.Knowledge.Documents;

/// <summary>Reads an uploaded document by its extension, within the size and page limits of <see cref="KnowledgeOptions"/>.</summary>
public sealed class DocumentExtractor(IOptions<KnowledgeOptions> options) : IDocumentExtractor
{
    public ExtractedDocument Extract(string fileName, Stream content)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(content);
        var limits = options.Value;
        var format = DocumentFormats.Of(fileName) ?? throw DocumentErrors.Unsupported(fileName);
        var bytes = ReadAll(content, limits.MaxDocumentBytes);
        if (bytes.Length == 0)
        {
            throw DocumentErrors.Empty();
        }
        return format switch
        {
            DocumentFormats.Pdf => PdfTextReader.Read(bytes, limits.MaxPages),
            DocumentFormats.Docx => DocxTextReader.Read(bytes, limits.MaxDocumentBytes),
            DocumentFormats.Markdown => MarkdownTextReader.Read(bytes),
            DocumentFormats.Html => HtmlTextReader.Read(bytes),
            _ => PlainTextReader.Read(bytes),
        };
    }

    /// <summary>The whole content, read no further than one byte past the limit (a stream may not know its length).</summary>
    private static byte[] ReadAll(Stream content, long maxBytes)
    {
        if (content.CanSeek && content.Length - content.Position > maxBytes)
        {
            throw DocumentErrors.TooManyBytes(maxBytes);
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = content.Read(chunk, 0, chunk.Length)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
            {
                throw DocumentErrors.TooManyBytes(maxBytes);
            }
        }
        return buffer.ToArray();
    }
}
