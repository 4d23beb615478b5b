using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace PromptLeo.Web.Features.Knowledge.Documents;

/// <summary>
/// DOCX with the Open XML SDK: paragraphs in body order, a paragraph with an outline level (its own, or its style's,
/// as Word's Heading 1–9 styles have) is a heading; a table row is one line with its cells separated by " | ".
/// DOCX has no pages until it is laid out, so sections carry no page.
/// </summary>
internal static class DocxTextReader
{
    // Compressed XML expands about tenfold; more than this times the upload limit is a zip bomb, not a document.
    private const int MaxExpansion = 20;

    public static ExtractedDocument Read(byte[] content, long maxDocumentBytes)
    {
        using var stream = new MemoryStream(content, writable: false);
        CheckExpandedSize(stream, maxDocumentBytes);
        try
        {
            using var word = WordprocessingDocument.Open(stream, isEditable: false);
            var body = word.MainDocumentPart?.Document?.Body ?? throw new InvalidDataException("The DOCX has no document body.");
            var walk = new Walk(HeadingStyles(word.MainDocumentPart.StyleDefinitionsPart?.Styles));
            walk.Visit(body);
            return new ExtractedDocument(DocumentFormats.Docx, null, PlainTextReader.NotEmpty(walk.Builder.Build()));
        }
        catch (Exception exception) when (exception is not (KnowledgeException or OutOfMemoryException))
        {
            throw DocumentErrors.Damaged("DOCX", exception);
        }
    }

    private static void CheckExpandedSize(Stream stream, long maxDocumentBytes)
    {
        long expanded;
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            expanded = zip.Entries.Sum(entry => entry.Length);
        }
        catch (InvalidDataException exception)
        {
            throw DocumentErrors.Damaged("DOCX", exception);
        }
        if (expanded > maxDocumentBytes * MaxExpansion)
        {
            throw DocumentErrors.TooManyBytes(maxDocumentBytes);
        }
        stream.Position = 0;
    }

    /// <summary>Outline level (0 = Heading 1) of every paragraph style that has one, through its based-on chain.</summary>
    private static Dictionary<string, int> HeadingStyles(Styles? styles)
    {
        var byId = styles?.Elements<Style>().Where(style => style.StyleId?.Value is not null)
            .GroupBy(style => style.StyleId!.Value!).ToDictionary(group => group.Key, group => group.First()) ?? [];
        var levels = new Dictionary<string, int>();
        foreach (var id in byId.Keys)
        {
            var style = byId[id];
            // The based-on chain is short; the bound guards against a cycle in a damaged file.
            for (var depth = 0; style is not null && depth < 10; depth++)
            {
                if (OutlineLevel(style) is { } level)
                {
                    levels[id] = level;
                    break;
                }
                style = style.BasedOn?.Val?.Value is { } parent ? byId.GetValueOrDefault(parent) : null;
            }
        }
        return levels;
    }

    private static int? OutlineLevel(Style style)
    {
        if (style.StyleParagraphProperties?.OutlineLevel?.Val?.Value is { } level)
        {
            return level;
        }
        // Built-in heading styles may leave the level to Word's defaults and only carry the name.
        var name = style.StyleName?.Val?.Value?.ToLowerInvariant();
        return name is not null && name.StartsWith("heading ", StringComparison.Ordinal) && int.TryParse(name["heading ".Length..], out var number) && number is >= 1 and <= 9
            ? number - 1
            : null;
    }

    private sealed class Walk(Dictionary<string, int> headingStyles)
    {
        public SectionBuilder Builder { get; } = new();

        public void Visit(OpenXmlElement container)
        {
            foreach (var element in container.ChildElements)
            {
                switch (element)
                {
                    case Paragraph paragraph:
                        var text = ParagraphText(paragraph);
                        if (IsHeading(paragraph) && !string.IsNullOrWhiteSpace(text))
                        {
                            Builder.StartHeading(text);
                        }
                        else
                        {
                            Builder.AddParagraph(text);
                        }
                        break;
                    case Table table:
                        Builder.AddParagraph(string.Join('\n', table.Elements<TableRow>().Select(Row)));
                        break;
                    case SdtBlock contentControl when contentControl.SdtContentBlock is { } content:
                        Visit(content);
                        break;
                }
            }
        }

        private bool IsHeading(Paragraph paragraph)
        {
            var level = paragraph.ParagraphProperties?.OutlineLevel?.Val?.Value
                ?? (paragraph.ParagraphProperties?.ParagraphStyleId?.Val?.Value is { } styleId ? headingStyles.GetValueOrDefault(styleId, 9) : 9);
            // Level 9 is body text.
            return level < 9;
        }

        private static string Row(TableRow row) => string.Join(" | ", row.Elements<TableCell>()
            .Select(cell => string.Join(' ', cell.Descendants<Paragraph>().Select(ParagraphText).Where(text => text.Length > 0))));

        private static string ParagraphText(Paragraph paragraph)
        {
            var text = new StringBuilder();
            foreach (var element in paragraph.Descendants())
            {
                switch (element)
                {
                    case Text run:
                        text.Append(run.Text);
                        break;
                    case TabChar:
                        text.Append(' ');
                        break;
                    case Break or CarriageReturn:
                        text.Append('\n');
                        break;
                }
            }
            return text.ToString().Trim();
        }
    }
}
