using Markdig;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace PromptLeo.Web.Features.Chat;

/// <summary>
/// Renders model output (untrusted) as Markdown: raw HTML is never passed through, links keep only safe schemes,
/// images become plain links (no request to a third party), and code blocks get a copy button.
/// </summary>
public static class ChatMarkdown
{
    private static readonly string[] SafeSchemes = ["http", "https", "mailto"];

    // No UseAdvancedExtensions: generic attributes ({onclick=...}) would let the text set attributes.
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseTaskLists()
        .UseAutoLinks()
        .DisableHtml()
        .Build();

    public static string ToHtml(string markdown, string copyLabel = "Copy")
    {
        var document = Markdown.Parse(markdown, Pipeline);
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
}
