using System.Text.Json;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Api;

namespace PromptLeo.Tests.Web.Api;

public sealed class ApiDocsTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    [Fact]
    public async Task OpenApiDocument_DescribesOnlyV1()
    {
        using var doc = JsonDocument.Parse(await factory.CreateClient().GetStringAsync("/openapi/v1.json"));
        var paths = doc.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/v1/chat/completions", paths);
        Assert.Contains("/v1/images/generations", paths);
        Assert.All(paths, p => Assert.StartsWith("/v1/", p));

        // Request bodies and the error object are described, so SDK users see the fields in the reference.
        var chat = doc.RootElement.GetProperty("paths").GetProperty("/v1/chat/completions").GetProperty("post");
        var body = chat.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetRawText();
        Assert.Contains("stream_options", body + doc.RootElement.GetProperty("components").GetRawText());
        Assert.Contains("max_completion_tokens", body + doc.RootElement.GetProperty("components").GetRawText());
        Assert.True(chat.GetProperty("responses").TryGetProperty("402", out _));
        var images = doc.RootElement.GetProperty("paths").GetProperty("/v1/images/generations").GetProperty("post").GetProperty("requestBody").GetRawText();
        Assert.Contains("negative_prompt", images);
        Assert.Contains("guidance_scale", images);

        // Every reference resolves, so Scalar can render nested shapes (messages, stream_options, error).
        var schemas = doc.RootElement.TryGetProperty("components", out var c) && c.TryGetProperty("schemas", out var sc)
            ? sc.EnumerateObject().Select(p => p.Name).ToHashSet()
            : [];
        var refs = System.Text.RegularExpressions.Regex.Matches(doc.RootElement.GetRawText(), "\"\\$ref\"\\s*:\\s*\"#/components/schemas/([^\"]+)\"")
            .Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(refs);
        Assert.All(refs, r => Assert.Contains(r, schemas));
        var ok = chat.GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.True(ok.TryGetProperty("application/json", out _));
        Assert.True(ok.TryGetProperty("text/event-stream", out _));
    }

    [Fact]
    public async Task ApiReference_RelaxesScriptPolicyOnlyWithNonce()
    {
        var client = factory.CreateClient();
        var docs = await client.GetAsync("/api-docs/");
        var csp = docs.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Matches("script-src 'self' 'nonce-[^']+';", csp);
        Assert.DoesNotContain("unsafe-inline' ;", csp);
        Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", csp);
        var home = await client.GetAsync("/");
        Assert.Contains("script-src 'self';", home.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task ApiReference_English_PortalNameAndColoursWithoutUpsell()
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en-US");
        var html = await client.GetStringAsync("/api-docs/");
        Assert.Contains("<title>PromptLeo API reference</title>", html);
        var config = ScalarConfiguration(html);
        Assert.Equal(ApiReferencePage.PortalCss, config.GetProperty("customCss").GetString());
        Assert.Contains("--scalar-color-accent: #1f4e9e", ApiReferencePage.PortalCss);
        Assert.Contains("--scalar-color-accent: #8ab4ff", ApiReferencePage.PortalCss);
        Assert.Equal("none", config.GetProperty("theme").GetString());
        Assert.Equal("en", config.GetProperty("localization").GetProperty("locale").GetString());
        // The vendor's buttons and offers: document download, client picker, test request, developer tools, AI agent, MCP.
        Assert.Equal("none", config.GetProperty("documentDownloadType").GetString());
        Assert.True(config.GetProperty("hideClientButton").GetBoolean());
        Assert.True(config.GetProperty("hideTestRequestButton").GetBoolean());
        Assert.Equal("never", config.GetProperty("showDeveloperTools").GetString());
        Assert.True(config.GetProperty("agent").GetProperty("disabled").GetBoolean());
        Assert.True(config.GetProperty("mcp").GetProperty("disabled").GetBoolean());
        Assert.Contains(".darklight-reference { display: none !important; }", ApiReferencePage.PortalCss);
        Assert.Equal("light", config.GetProperty("forceDarkModeState").GetString());
        Assert.True(config.GetProperty("hideDarkModeToggle").GetBoolean());
    }

    [Fact]
    public async Task ApiReference_GermanDarkVisitor_GermanTitleLocaleDarkModeAndGermanIntroduction()
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("Cookie", ".AspNetCore.Culture=c%3Dde%7Cuic%3Dde; PromptLeo.Theme=dark");
        var html = await client.GetStringAsync("/api-docs/");
        Assert.Contains("<title>PromptLeo API-Referenz</title>", html);
        var config = ScalarConfiguration(html);
        Assert.Equal("de", config.GetProperty("localization").GetProperty("locale").GetString());
        Assert.Equal("dark", config.GetProperty("forceDarkModeState").GetString());

        // The introduction Scalar shows on top is the document's description, in the language of the request.
        using var german = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        Assert.StartsWith("Die OpenAI-kompatible Schnittstelle von PromptLeo", german.RootElement.GetProperty("info").GetProperty("description").GetString());
        var english = factory.CreateClient();
        english.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en-GB");
        using var document = JsonDocument.Parse(await english.GetStringAsync("/openapi/v1.json"));
        Assert.StartsWith("The OpenAI-compatible API of PromptLeo", document.RootElement.GetProperty("info").GetProperty("description").GetString());
    }

    // Scalar.AspNetCore writes its configuration as a JSON object into the page's bootstrap script.
    private static JsonElement ScalarConfiguration(string html)
    {
        var match = System.Text.RegularExpressions.Regex.Match(html, @"(\{""[\s\S]*\}),\s*''\s*\)");
        Assert.True(match.Success, "no configuration object in the page");
        return JsonDocument.Parse(match.Groups[1].Value).RootElement.Clone();
    }
}
