using PromptLeo.Web.Features.Chat;

namespace PromptLeo.Tests.Web.Chat;

public sealed class ChatMarkdownTests
{
    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("hello <script src=x></script> world")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("<div onclick=\"alert(1)\">click</div>")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>")]
    [InlineData("<iframe src=\"https://evil.example\"></iframe>")]
    public void ToHtml_RawHtml_IsEscapedNeverPassedThrough(string markdown)
    {
        var html = ChatMarkdown.ToHtml(markdown);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<div onclick", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<iframe", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<a href=\"javascript", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;", html);
    }

    [Theory]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("[click](JaVaScRiPt:alert(1))")]
    [InlineData("[click](jav&#x61;script:alert(1))")]
    [InlineData("[click](java\tscript:alert(1))")]
    [InlineData("[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")]
    [InlineData("[click](vbscript:msgbox(1))")]
    [InlineData("<javascript:alert(1)>")]
    [InlineData("[click][ref]\n\n[ref]: javascript:alert(1)")]
    [InlineData("![pic](javascript:alert(1))")]
    public void ToHtml_DangerousLinkSchemes_AreRemoved(string markdown)
    {
        var html = ChatMarkdown.ToHtml(markdown);

        Assert.DoesNotContain("href=\"javascript", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"jav", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"data:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"vbscript", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ToHtml_SafeLinks_KeepTheirTarget_WithNoReferrer()
    {
        var html = ChatMarkdown.ToHtml("See [docs](https://example.org/a?b=1) and <mailto:team@example.org>.");

        Assert.Contains("href=\"https://example.org/a?b=1\"", html);
        Assert.Contains("rel=\"nofollow noopener noreferrer\"", html);
        Assert.Contains("mailto:team@example.org", html);
    }

    [Fact]
    public void ToHtml_Images_BecomeLinks_SoNothingIsFetched()
    {
        var html = ChatMarkdown.ToHtml("![tracking pixel](https://tracker.example/p.png)");

        Assert.DoesNotContain("<img", html);
        Assert.Contains("href=\"https://tracker.example/p.png\"", html);
    }

    [Fact]
    public void ToHtml_GenericAttributes_AreNotParsed()
    {
        var html = ChatMarkdown.ToHtml("# Title {onclick=alert(1)}\n\n[x](https://a.example){onmouseover=alert(1)}");

        Assert.DoesNotContain(" onclick=", html);
        Assert.DoesNotContain(" onmouseover=", html);
    }

    [Fact]
    public void ToHtml_CodeBlocks_GetCopyButton_AndEscapedCode()
    {
        var html = ChatMarkdown.ToHtml("```html\n<script>alert(1)</script>\n```\n\n    indented code", "Code kopieren");

        Assert.Equal(2, html.Split("data-copy-code").Length - 1);
        Assert.Contains(">Code kopieren</button>", html);
        Assert.Contains("&lt;script&gt;", html);
        Assert.DoesNotContain("<script>", html);
    }

    [Fact]
    public void ToHtml_MarkdownFeatures_Render()
    {
        var html = ChatMarkdown.ToHtml("**bold** and `code`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- item");

        Assert.Contains("<strong>bold</strong>", html);
        Assert.Contains("<code>code</code>", html);
        Assert.Contains("<table>", html);
        Assert.Contains("<li>item</li>", html);
    }
}
