using System.Net;
using Microsoft.Data.Sqlite;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web;

public sealed class RegionPortalFactory : PortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Hosting:Region"] = "DE-FRA" };
}

public sealed class PortalShellTests(RegionPortalFactory factory) : IClassFixture<RegionPortalFactory>
{
    [Fact]
    public async Task Health_Liveness_Returns200()
    {
        var response = await factory.CreateClient().GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task HealthReady_DatabaseReachable_ReturnsHealthy()
    {
        var response = await factory.CreateClient().GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task HomePage_Anonymous_HasSecurityHeaders()
    {
        var response = await factory.CreateClient().GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("object-src 'none'", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("strict-origin-when-cross-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    [Fact]
    public async Task HomePage_ConfiguredRegion_ShownInFooter()
    {
        var html = await factory.CreateClient().GetStringAsync("/");
        Assert.Contains("id=\"hosting-region\">DE-FRA<", html);
    }

    [Fact]
    public async Task Database_AfterStart_IsMigratedAndInWalMode()
    {
        await factory.CreateClient().GetAsync("/health/ready");
        var dbFile = Path.Combine(factory.DataDirectory, "promptleo.db");
        Assert.True(File.Exists(dbFile));
        await using var connection = new SqliteConnection($"Data Source={dbFile}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
        command.CommandText = "SELECT count(*) FROM __EFMigrationsHistory;";
        Assert.True((long)(await command.ExecuteScalarAsync())! > 0);
    }

    [Fact]
    public async Task DataFolder_AfterStart_HoldsKeyRing()
    {
        await factory.CreateClient().GetAsync("/Account/Login");
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(factory.DataDirectory, "keys"), "key-*.xml"));
    }

    [Theory]
    [InlineData("/chat")]
    [InlineData("/images")]
    [InlineData("/billing")]
    [InlineData("/privacy")]
    [InlineData("/api-keys")]
    [InlineData("/admin")]
    [InlineData("/Account/Manage")]
    public async Task ProtectedPage_Anonymous_RedirectsToLogin(string path)
    {
        var client = factory.CreateBrowserLikeClient();
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/Login", response.Headers.Location!.PathAndQuery, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task UnknownPage_Returns404WithPage()
    {
        var response = await factory.CreateClient().GetAsync("/does-not-exist");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("id=\"not-found\"", await response.Content.ReadAsStringAsync());
    }
}
