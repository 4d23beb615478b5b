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
