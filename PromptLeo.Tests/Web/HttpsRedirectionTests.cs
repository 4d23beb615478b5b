using System.Net;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web;

public sealed class HttpsPortalFactory : PortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Hosting:UseHttpsRedirection"] = "true",
        ["HTTPS_PORT"] = "443",
    };
}

public sealed class HttpsRedirectionTests(HttpsPortalFactory factory) : IClassFixture<HttpsPortalFactory>
{
    [Fact]
    public async Task HttpRequest_WhenHttpsConfigured_RedirectsToHttps()
    {
        var response = await factory.CreateBrowserLikeClient().GetAsync("/Account/Login");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal("https", response.Headers.Location!.Scheme);
    }
}

public sealed class NoHttpsRedirectionTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task HttpRequest_ByDefault_IsServed()
    {
        var response = await factory.CreateBrowserLikeClient().GetAsync("/Account/Login");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
