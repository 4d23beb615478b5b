using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Hosting;

namespace PromptLeo.Tests.Web.Hosting;

/// <summary>Behind a reverse proxy at 10.0.0.5 (or in 192.168.10.0/24) that terminates TLS.</summary>
public sealed class ProxiedPortalFactory : PortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Hosting:UseHttpsRedirection"] = "true",
        ["HTTPS_PORT"] = "443",
        ["Hosting:KnownProxies:0"] = "10.0.0.5",
        ["Hosting:KnownNetworks:0"] = "192.168.10.0/24",
    };
}

public sealed class ForwardedHeadersTests(ProxiedPortalFactory factory) : IClassFixture<ProxiedPortalFactory>
{
    private static readonly IPAddress Client = IPAddress.Parse("203.0.113.7");

    [Theory]
    [InlineData("10.0.0.5")]
    [InlineData("192.168.10.20")]
    public async Task ForwardedHeaders_FromConfiguredProxy_GiveSchemeClientAddressAndHsts(string proxy)
    {
        var context = await SendAsync(HttpMethods.Get, "/Account/Login", proxy, forwardedProto: "https");

        Assert.Equal("https", context.Request.Scheme);
        Assert.Equal(Client, context.Connection.RemoteIpAddress);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.StartsWith("max-age=", context.Response.Headers.StrictTransportSecurity.ToString());
    }

    [Fact]
    public async Task ForwardedHeaders_FromUnknownAddress_AreIgnored()
    {
        var context = await SendAsync(HttpMethods.Get, "/Account/Login", "198.51.100.9", forwardedProto: "https");

        Assert.Equal("http", context.Request.Scheme);
        Assert.Equal(IPAddress.Parse("198.51.100.9"), context.Connection.RemoteIpAddress);
        // Still plain HTTP as far as the app knows: redirected to HTTPS, and no HSTS on an insecure response.
        Assert.Equal(StatusCodes.Status307TemporaryRedirect, context.Response.StatusCode);
        Assert.Empty(context.Response.Headers.StrictTransportSecurity.ToString());
    }

    [Fact]
    public async Task Login_ThroughConfiguredProxy_SetsSecureAuthCookie()
    {
        var page = await SendAsync(HttpMethods.Get, "/Account/Login", "10.0.0.5", forwardedProto: "https");
        var html = await new StreamReader(page.Response.Body).ReadToEndAsync();
        var antiforgeryCookie = page.Response.Headers.SetCookie.Select(c => c!.Split(';')[0]).Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        var form = new Dictionary<string, string>
        {
            ["Input.Email"] = PortalFactory.AdminEmail,
            ["Input.Password"] = PortalFactory.AdminPassword,
            ["__RequestVerificationToken"] = FormPost.AntiforgeryToken(html),
            ["_handler"] = "login",
        };

        var login = await SendAsync(HttpMethods.Post, "/Account/Login", "10.0.0.5", forwardedProto: "https", cookie: antiforgeryCookie, form: form);

        Assert.Equal(StatusCodes.Status302Found, login.Response.StatusCode);
        var authCookie = login.Response.Headers.SetCookie.Single(c => c!.StartsWith("PromptLeo.Auth=", StringComparison.Ordinal))!;
        Assert.Contains("; secure", authCookie, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("Hosting:KnownProxies", "not-an-address")]
    [InlineData("Hosting:KnownNetworks", "10.0.0.0")]
    public void HostingOptions_MalformedProxySetting_FailsValidationNamingIt(string setting, string value)
    {
        var options = setting.EndsWith("Proxies", StringComparison.Ordinal)
            ? new HostingOptions { KnownProxies = [value] }
            : new HostingOptions { KnownNetworks = [value] };
        var results = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.ErrorMessage!.Contains(setting) && r.ErrorMessage.Contains(value));
    }

    /// <summary>One request arriving from <paramref name="remoteAddress"/> with the headers a proxy adds; returns the finished context.</summary>
    private Task<HttpContext> SendAsync(string method, string path, string remoteAddress, string forwardedProto, string? cookie = null, IDictionary<string, string>? form = null) =>
        factory.Server.SendAsync(context =>
        {
            context.Request.Method = method;
            context.Request.Path = path;
            context.Request.Host = new HostString("portal.example.de");
            context.Connection.RemoteIpAddress = IPAddress.Parse(remoteAddress);
            context.Request.Headers["X-Forwarded-Proto"] = forwardedProto;
            context.Request.Headers["X-Forwarded-For"] = Client.ToString();
            if (cookie is not null)
            {
                context.Request.Headers.Cookie = cookie;
            }
            if (form is not null)
            {
                var body = Encoding.UTF8.GetBytes(string.Join('&', form.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}")));
                context.Request.ContentType = "application/x-www-form-urlencoded";
                context.Request.ContentLength = body.Length;
                context.Request.Body = new MemoryStream(body);
            }
        });
}

/// <summary>A proxy entry that is not an address.</summary>
public sealed class MalformedProxyPortalFactory : PortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Hosting:KnownProxies:0"] = "proxy.example.de",
    };
}

public sealed class MalformedProxySettingTests
{
    [Fact]
    public void MalformedKnownProxy_StopsTheStartNamingIt()
    {
        using var factory = new MalformedProxyPortalFactory();

        var error = Assert.ThrowsAny<Exception>(() => factory.Services);
        Assert.Contains("Hosting:KnownProxies: 'proxy.example.de' is not an IP address.", error.ToString());
    }
}

/// <summary>No proxy configured: ASP.NET Core's default trusts a proxy on loopback only.</summary>
public sealed class DefaultForwardedHeadersTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("127.0.0.1", "https")]
    [InlineData("10.0.0.5", "http")]
    public async Task ForwardedProto_WithoutConfiguredProxies_IsTrustedFromLoopbackOnly(string remoteAddress, string expectedScheme)
    {
        var context = await factory.Server.SendAsync(c =>
        {
            c.Request.Path = "/health";
            c.Connection.RemoteIpAddress = IPAddress.Parse(remoteAddress);
            c.Request.Headers["X-Forwarded-Proto"] = "https";
        });
        Assert.Equal(expectedScheme, context.Request.Scheme);
    }
}
