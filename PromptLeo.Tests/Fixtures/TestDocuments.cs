using System.Net;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Tests.Fixtures;

/// <summary>A heading (level 1 or 2; an empty heading draws none) and its paragraphs, as the generators below lay them out.</summary>
public sealed record TestSection(int Level, string Heading, params string[] Paragraphs);

/// <summary>One PDF page: its sections top to bottom.</summary>
public sealed record TestPdfPage(params TestSection[] Sections);

/// <summary>
/// Documents for the knowledge tests, built in code with the phrases a test then searches for: a text PDF (PDFsharp,
/// headings in larger type), a scanned-style PDF (one image, no text), an encrypted PDF, a DOCX with Heading 1/2
/// paragraphs and a table, Markdown, plain text and hostile HTML.
/// </summary>
public static class TestDocuments
{
    private const string Font = "Segoe WP";
    private const double Margin = 56;

    public static byte[] TextPdf(params TestPdfPage[] pages) => Pdf(document =>
    {
        var bodyFont = new XFont(Font, 11);
        foreach (var content in pages)
        {
            var page = document.AddPage();
            using var graphics = XGraphics.FromPdfPage(page);
            var y = Margin;
            foreach (var section in content.Sections)
            {
                if (section.Heading.Length > 0)
                {
                    y += 10;
                    y = DrawWrapped(graphics, section.Heading, new XFont(Font, section.Level <= 1 ? 20 : 16, XFontStyleEx.Bold), page, y) + 6;
                }
                foreach (var paragraph in section.Paragraphs)
                {
                    y = DrawWrapped(graphics, paragraph, bodyFont, page, y) + 8;
                }
            }
        }
    });

    /// <summary>A PDF whose pages hold only a picture, as a scanner writes it: no text layer at all.</summary>
    public static byte[] ScannedPdf(int pages = 2) => Pdf(document =>
    {
        for (var number = 0; number < pages; number++)
        {
            var page = document.AddPage();
            using var graphics = XGraphics.FromPdfPage(page);
            using var image = XImage.FromStream(new MemoryStream(TestImages.Gradient(120, 160)));
            graphics.DrawImage(image, Margin, Margin, page.Width.Point - 2 * Margin, page.Height.Point - 2 * Margin);
        }
    });

    /// <summary>A text PDF that opens only with a password.</summary>
    public static byte[] EncryptedPdf(string phrase) => Pdf(document =>
    {
        var page = document.AddPage();
        using (var graphics = XGraphics.FromPdfPage(page))
        {
            graphics.DrawString(phrase, new XFont(Font, 11), XBrushes.Black, Margin, Margin);
        }
        document.SecuritySettings.UserPassword = "user-secret";
        document.SecuritySettings.OwnerPassword = "owner-secret";
    });

    /// <summary>
    /// A DOCX: Heading 1 has its outline level in the style (as Word writes it), Heading 2 only the built-in name
    /// "heading 2"; the table (if any) follows the last section.
    /// </summary>
    public static byte[] Docx(IReadOnlyList<TestSection> sections, IReadOnlyList<string[]>? tableRows = null)
    {
        using var stream = new MemoryStream();
        using (var word = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = word.AddMainDocumentPart();
            main.AddNewPart<StyleDefinitionsPart>().Styles = new Styles(
                new Style(new StyleName { Val = "Normal" }) { Type = StyleValues.Paragraph, StyleId = "Normal", Default = true },
                new Style(new StyleName { Val = "heading 1" }, new BasedOn { Val = "Normal" }, new StyleParagraphProperties(new OutlineLevel { Val = 0 }))
                { Type = StyleValues.Paragraph, StyleId = "Heading1" },
                new Style(new StyleName { Val = "heading 2" }, new BasedOn { Val = "Normal" }) { Type = StyleValues.Paragraph, StyleId = "Heading2" });
            var body = new Body();
            foreach (var section in sections)
            {
                if (section.Heading.Length > 0)
                {
                    body.Append(DocxParagraph(section.Heading, section.Level <= 1 ? "Heading1" : "Heading2"));
                }
                body.Append(section.Paragraphs.Select(paragraph => DocxParagraph(paragraph, null)));
            }
            if (tableRows is not null)
            {
                body.Append(new Table(tableRows.Select(row => new TableRow(row.Select(cell => new TableCell(DocxParagraph(cell, null)))))));
            }
            main.Document = new Document(body);
        }
        return stream.ToArray();
    }

    public static byte[] Markdown(IReadOnlyList<TestSection> sections)
    {
        var text = new StringBuilder();
        foreach (var section in sections)
        {
            if (section.Heading.Length > 0)
            {
                text.Append('#', Math.Max(1, section.Level)).Append(' ').Append(section.Heading).Append("\n\n");
            }
            foreach (var paragraph in section.Paragraphs)
            {
                text.Append(paragraph).Append("\n\n");
            }
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Paragraphs separated by blank lines, UTF-8, with a byte order mark if asked.</summary>
    public static byte[] PlainText(IReadOnlyList<string> paragraphs, bool byteOrderMark = false)
    {
        var text = Encoding.UTF8.GetBytes(string.Join("\r\n\r\n", paragraphs));
        return byteOrderMark ? [.. Encoding.UTF8.Preamble, .. text] : text;
    }

    /// <summary>
    /// HTML with h1/h2 sections, and <paramref name="hidden"/> in places no reader should see: a script, a style
    /// sheet, an on* handler and an attribute.
    /// </summary>
    public static byte[] Html(IReadOnlyList<TestSection> sections, string hidden)
    {
        var encoded = WebUtility.HtmlEncode(hidden);
        var html = new StringBuilder($"<!DOCTYPE html><html><head><title>{encoded}</title><style>body::after {{ content: '{encoded}'; }}</style></head>\n<body>\n");
        html.Append($"<script>document.title = '{encoded}';</script>\n");
        foreach (var section in sections)
        {
            if (section.Heading.Length > 0)
            {
                var tag = section.Level <= 1 ? "h1" : "h2";
                html.Append($"<{tag} onmouseover=\"alert('{encoded}')\">{WebUtility.HtmlEncode(section.Heading)}</{tag}>\n");
            }
            foreach (var paragraph in section.Paragraphs)
            {
                html.Append($"<p onclick=\"{encoded}\" data-note=\"{encoded}\">\n  {WebUtility.HtmlEncode(paragraph)}\n</p>\n");
            }
        }
        html.Append($"<noscript>{encoded}</noscript><img src=\"x\" onerror=\"{encoded}\" alt=\"\"></body></html>");
        return Encoding.UTF8.GetBytes(html.ToString());
    }

    private static byte[] Pdf(Action<PdfDocument> build)
    {
        PdfReport.EnsureFonts();
        using var document = new PdfDocument();
        build(document);
        using var stream = new MemoryStream();
        document.Save(stream, closeStream: false);
        return stream.ToArray();
    }

    /// <summary>Draws the text word-wrapped to the page width from <paramref name="y"/>; returns the y below it.</summary>
    private static double DrawWrapped(XGraphics graphics, string text, XFont font, PdfPage page, double y)
    {
        var width = page.Width.Point - 2 * Margin;
        var lineHeight = font.GetHeight();
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (line.Length > 0 && graphics.MeasureString(candidate, font).Width > width)
            {
                graphics.DrawString(line.ToString(), font, XBrushes.Black, Margin, y + lineHeight);
                y += lineHeight;
                line.Clear().Append(word);
            }
            else
            {
                line.Clear().Append(candidate);
            }
        }
        if (line.Length > 0)
        {
            graphics.DrawString(line.ToString(), font, XBrushes.Black, Margin, y + lineHeight);
            y += lineHeight;
        }
        return y;
    }

    private static Paragraph DocxParagraph(string text, string? styleId)
    {
        var paragraph = new Paragraph(new Run(new Text(text) { Space = SpaceProcessingModeValues.Preserve }));
        if (styleId is not null)
        {
            paragraph.PrependChild(new ParagraphProperties(new ParagraphStyleId { Val = styleId }));
        }
        return paragraph;
    }
}
