using Markdig;
using Markdig.Helpers;
using Markdig.Parsers;
using Markdig.Parsers.Inlines;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace PromptLeo.Web.Features.Chat;

/// <summary>
/// Renders model output (untrusted) as Markdown: raw HTML is never passed through, links keep only safe schemes,
/// images become plain links (no request to a third party), and code blocks get a copy button. A marker "[n]" of a
/// known source becomes a button (chat.js opens that source); other markers stay text.
/// </summary>
public static class ChatMarkdown
{
    private static readonly string[] SafeSchemes = ["http", "https", "mailto"];

    // No UseAdvancedExtensions: generic attributes ({onclick=...}) would let the text set attributes.
    private static readonly MarkdownPipeline Pipeline = BuildPipeline();

    private static MarkdownPipeline BuildPipeline()
    {
        var builder = new MarkdownPipelineBuilder()
            .UsePipeTables()
            .UseEmphasisExtras()
            .UseTaskLists()
            .UseAutoLinks()
            .DisableHtml();
        // Before the link parser, so "[1]" is a citation marker; code spans never reach it.
        builder.InlineParsers.InsertBefore<LinkInlineParser>(new CitationInlineParser());
        return builder.Build();
    }

    /// <param name="citationLabels">Number → accessible label of the answer's sources; markers of other numbers stay text.</param>
    public static string ToHtml(string markdown, string copyLabel = "Copy", IReadOnlyDictionary<int, string>? citationLabels = null)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var marker in document.Descendants<CitationInline>().ToList())
        {
            if (citationLabels is null || !citationLabels.ContainsKey(marker.Number))
            {
                marker.ReplaceBy(new LiteralInline($"[{marker.Number}]"));
            }
        }
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            link.IsImage = false;
            link.GetDynamicUrl = null;
            if (!IsSafeUrl(link.Url))
            {
                link.Url = "#";
            }
            var attributes = link.GetAttributes();
            attributes.AddPropertyIfNotExist("rel", "nofollow noopener noreferrer");
            attributes.AddPropertyIfNotExist("target", "_blank");
        }
        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            if (!IsSafeUrl(autolink.Url))
            {
                autolink.ReplaceBy(new LiteralInline(autolink.Url));
            }
        }

        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.ObjectRenderers.Replace<CodeBlockRenderer>(new CopyableCodeBlockRenderer(copyLabel));
        renderer.ObjectRenderers.Add(new CitationRenderer(citationLabels ?? new Dictionary<int, string>()));
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }

    /// <summary>Relative links and http(s)/mailto only; control characters and whitespace cannot hide a scheme.</summary>
    public static bool IsSafeUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return true;
        }
        var compact = new string([.. url.Where(c => !char.IsWhiteSpace(c) && !char.IsControl(c))]);
        var colon = compact.IndexOf(':');
        if (colon < 0)
        {
            return true;
        }
        var firstDelimiter = compact.IndexOfAny(['/', '?', '#']);
        if (firstDelimiter >= 0 && firstDelimiter < colon)
        {
            return true;
        }
        var scheme = compact[..colon];
        return SafeSchemes.Contains(scheme, StringComparer.OrdinalIgnoreCase);
    }

    private sealed class CopyableCodeBlockRenderer(string copyLabel) : CodeBlockRenderer
    {
        protected override void Write(HtmlRenderer renderer, CodeBlock obj)
        {
            // The button is wired by chat.js with one delegated listener (no inline script under the CSP).
            renderer.Write("<div class=\"pl-code\"><button type=\"button\" class=\"pl-copy-code\" data-copy-code>");
            renderer.WriteEscape(copyLabel);
            renderer.Write("</button>");
            base.Write(renderer, obj);
            renderer.Write("</div>");
        }
    }

    /// <summary>A source marker "[n]" in an answer (n from 1 to 999).</summary>
    private sealed class CitationInline(int number) : LeafInline
    {
        public int Number { get; } = number;
    }

    private sealed class CitationInlineParser : InlineParser
    {
        public CitationInlineParser() => OpeningCharacters = ['['];

        public override bool Match(InlineProcessor processor, ref StringSlice slice)
        {
            var start = slice.Start;
            var end = start + 1;
            var number = 0;
            while (end <= slice.End && end - start <= 3 && slice.Text[end] is >= '0' and <= '9')
            {
                number = number * 10 + (slice.Text[end] - '0');
                end++;
            }
            // "[1](url)" and "[1][ref]" stay links; "[0]" and "[0012]" are no sources.
            if (end == start + 1 || end > slice.End || slice.Text[end] != ']' || number == 0 || slice.Text[start + 1] == '0'
                || (end + 1 <= slice.End && slice.Text[end + 1] is '(' or '['))
            {
                return false;
            }
            var position = processor.GetSourcePosition(start, out var line, out var column);
            processor.Inline = new CitationInline(number) { Span = new(position, position + end - start), Line = line, Column = column };
            slice.Start = end + 1;
            return true;
        }
    }

    private sealed class CitationRenderer(IReadOnlyDictionary<int, string> labels) : HtmlObjectRenderer<CitationInline>
    {
        protected override void Write(HtmlRenderer renderer, CitationInline obj)
        {
            // Only the number and the escaped label reach the markup; the answer text cannot add attributes.
            renderer.Write("<button type=\"button\" class=\"pl-cite\" data-cite=\"").Write(obj.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)).Write("\" aria-label=\"");
            renderer.WriteEscape(labels.TryGetValue(obj.Number, out var label) ? label : "");
            renderer.Write("\">[").Write(obj.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)).Write("]</button>");
        }
    }
}
