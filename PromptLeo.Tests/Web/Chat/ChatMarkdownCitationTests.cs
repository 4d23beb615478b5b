using PromptLeo.Web.Features.Chat;

namespace PromptLeo.Tests.Web.Chat;

public sealed class ChatMarkdownCitationTests
{
    private static readonly Dictionary<int, string> Labels = new() { [1] = "Source 1: a.pdf, page 2", [2] = "Source 2: b.docx" };

    [Fact]
    public void ToHtml_KnownMarkers_BecomeButtonsNamingTheirSource()
    {
        var html = ChatMarkdown.ToHtml("Backups run nightly [1] and weekly [2].", citationLabels: Labels);

        Assert.Contains("<button type=\"button\" class=\"pl-cite\" data-cite=\"1\" aria-label=\"Source 1: a.pdf, page 2\">[1]</button>", html);
        Assert.Contains("data-cite=\"2\"", html);
    }

    [Theory]
    [InlineData("See [3].", "[3]")]
    [InlineData("See [0].", "[0]")]
    [InlineData("See [01].", "[01]")]
    [InlineData("See [1000].", "[1000]")]
    [InlineData("See [x].", "[x]")]
    public void ToHtml_UnknownOrMalformedMarkers_StayText(string markdown, string marker)
    {
        var html = ChatMarkdown.ToHtml(markdown, citationLabels: Labels);

        Assert.DoesNotContain("pl-cite", html);
        Assert.Contains(marker, html);
    }

    [Fact]
    public void ToHtml_WithoutSources_MarkersStayText()
    {
        var html = ChatMarkdown.ToHtml("Backups run nightly [1].");

        Assert.Equal("<p>Backups run nightly [1].</p>\n", html);
    }

    [Fact]
    public void ToHtml_MarkersInCode_StayCode()
    {
        var html = ChatMarkdown.ToHtml("`list[1]`\n\n```\nitems[2]\n```", citationLabels: Labels);

        Assert.DoesNotContain("pl-cite", html);
        Assert.Contains("<code>list[1]</code>", html);
        Assert.Contains("items[2]", html);
    }

    [Theory]
    [InlineData("[1](javascript:alert(1))")]
    [InlineData("[1][ref]\n\n[ref]: javascript:alert(1)")]
    public void ToHtml_LinkWithNumberText_StaysASanitizedLink(string markdown)
    {
        var html = ChatMarkdown.ToHtml(markdown, citationLabels: Labels);

        Assert.DoesNotContain("pl-cite", html);
        Assert.DoesNotContain("javascript", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ToHtml_HostileLabelAndAnswer_CannotAddMarkupOrAttributes()
    {
        var labels = new Dictionary<int, string> { [1] = "x\" onmouseover=\"alert(1)\" <img src=x>" };

        var html = ChatMarkdown.ToHtml("<script>alert(1)</script> [1] <b onclick=\"x\">[1]</b>", citationLabels: labels);

        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("<b ", html);
        Assert.DoesNotContain("\" onmouseover", html);
        Assert.Contains("aria-label=\"x&quot; onmouseover=&quot;alert(1)&quot; &lt;img src=x&gt;\"", html);
    }
}
