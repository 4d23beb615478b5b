using System.Text.Json;
using PromptLeo.Tests.Fixtures;

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
}
