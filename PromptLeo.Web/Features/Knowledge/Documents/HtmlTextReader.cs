using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace PromptLeo.Web.Features.Knowledge.Documents;

/// <summary>
/// HTML as text only: scripts, styles, embedded objects and form controls are dropped and no markup or attribute
/// survives, so nothing executable reaches a prompt or a page; h1–h6 start sections.
/// </summary>
internal static class HtmlTextReader
{
    private static readonly HashSet<string> Dropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "head",
        "button", "select", "textarea", "input", "canvas", "audio", "video",
    };

    private static readonly HashSet<string> Headings = new(StringComparer.OrdinalIgnoreCase) { "h1", "h2", "h3", "h4", "h5", "h6" };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "section", "article", "main", "aside", "header", "footer", "nav", "ul", "ol", "li", "dl", "dt", "dd",
        "table", "thead", "tbody", "tfoot", "tr", "blockquote", "pre", "figure", "figcaption", "address", "hr", "details", "summary",
    };

    public static ExtractedDocument Read(byte[] content)
    {
        using var stream = new MemoryStream(content, writable: false);
        // The parser detects the encoding (BOM, meta charset) the way browsers do.
        using var document = new HtmlParser().ParseDocument(stream);
        var walk = new Walk();
        walk.Visit(document.Body ?? document.DocumentElement);
        return new ExtractedDocument(DocumentFormats.Html, null, PlainTextReader.NotEmpty(walk.Finish()));
    }

    private sealed class Walk
    {
        private readonly SectionBuilder builder = new();
        private readonly StringBuilder paragraph = new();

        public void Visit(INode node)
        {
            switch (node)
            {
                case IText text:
                    // Source line breaks are spaces in HTML; only <br> makes a line break.
                    paragraph.Append(text.Data.Replace('\r', ' ').Replace('\n', ' '));
                    break;
                case IElement element when Dropped.Contains(element.LocalName):
                    break;
                case IElement element when Headings.Contains(element.LocalName):
                    EndParagraph();
                    builder.StartHeading(Collapse(element.TextContent));
                    break;
                case IElement { LocalName: "br" }:
                    paragraph.Append('\n');
                    break;
                case IElement element:
                    var block = Blocks.Contains(element.LocalName);
                    if (block)
                    {
                        EndParagraph();
                    }
                    foreach (var child in element.ChildNodes)
                    {
                        Visit(child);
                    }
                    if (block)
                    {
                        EndParagraph();
                    }
                    else if (element.LocalName is "td" or "th")
                    {
                        paragraph.Append(' ');
                    }
                    break;
            }
        }

        public IReadOnlyList<ExtractedSection> Finish()
        {
            EndParagraph();
            return builder.Build();
        }

        private void EndParagraph()
        {
            builder.AddParagraph(string.Join('\n', paragraph.ToString().Split('\n').Select(Collapse)));
            paragraph.Clear();
        }

        private static string Collapse(string value) =>
            string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }
}
