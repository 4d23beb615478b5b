using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Hosting;

/// <summary>The published app in Production, as docs/operations.md deploys it.</summary>
public sealed partial class PublishedAppTests(PublishedApp app) : IClassFixture<PublishedApp>
{
    [Theory]
    [InlineData("/_framework/blazor.web.js", "javascript")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css", "text/css")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.js", "javascript")]
    public async Task StaticAssets_InProduction_AreServed(string path, string contentType)
    {
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(contentType, response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 10_000, $"{path} is (nearly) empty");
    }

    [Fact]
    public async Task LoginPage_InProduction_RendersFormAndItsAssetsLoad()
    {
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        var html = await http.GetStringAsync("/Account/Login");

        Assert.Contains("name=\"Input.Email\"", html);
        Assert.Contains("name=\"Input.Password\"", html);
        // The (fingerprinted) URLs the page itself links, fetched as a browser would.
        var assets = AssetReference().Matches(html).Select(m => m.Groups[1].Value).Where(u => u.Contains("MudBlazor") || u.Contains("blazor.web")).ToList();
        Assert.Equal(3, assets.Count);
        foreach (var asset in assets)
        {
            var response = await http.GetAsync("/" + asset.TrimStart('/'));
            Assert.True(response.StatusCode == HttpStatusCode.OK && (await response.Content.ReadAsByteArrayAsync()).Length > 10_000, $"{asset}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task Login_InProduction_WithAdminFromEnvironment_SignsIn()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = app.BaseAddress };

        var login = await PortalSession.LoginAsync(http, PortalFactory.AdminEmail, PublishedApp.AdminPassword);

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.DoesNotContain("Login", login.Headers.Location?.ToString() ?? "");
        Assert.Contains(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("PromptLeo.Auth=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeyRing_WithCertificateFromEnvironment_IsEncryptedAndNoWarning()
    {
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/Account/Login")).StatusCode);

        var keys = Directory.GetFiles(Path.Combine(app.DataDirectory, "keys"), "key-*.xml");
        Assert.NotEmpty(keys);
        Assert.All(keys, k => Assert.DoesNotContain("<masterKey", File.ReadAllText(k)));
        Assert.DoesNotContain("stored unencrypted", app.Output);
    }

    [Fact]
    public async Task ServerError_InProduction_ShowsErrorPageWithoutStackTrace()
    {
        // A real failure behind a page: with the users table moved aside, looking up a user throws inside the app.
        await RenameTableAsync("AspNetUsers", "AspNetUsersAside");
        HttpResponseMessage response;
        string html;
        try
        {
            using var http = new HttpClient { BaseAddress = app.BaseAddress };
            response = await http.GetAsync("/Account/ConfirmEmail?userId=0b4e7a0e-0000-4000-8000-000000000000&code=eA");
            html = await response.Content.ReadAsStringAsync();
        }
        finally
        {
            await RenameTableAsync("AspNetUsersAside", "AspNetUsers");
        }

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("Something went wrong.", html);
        foreach (var leak in new[] { "SqliteException", "Microsoft.Data.Sqlite", "no such table", "AspNetUsers", " at PromptLeo", "Stack", ".cs:line" })
        {
            Assert.DoesNotContain(leak, html, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Contains("no such table", app.Output);
    }

    [Fact]
    public async Task AdminPasswordArgument_IsRefusedBeforeStart()
    {
        var (exitCode, output) = await app.RunPublishedToEndAsync("--Admin:Email=a@example.de", "--Admin:Password=Argv-Passw0rd-1");

        Assert.Equal(2, exitCode);
        Assert.Contains("Admin:Password is not accepted on the command line", output);
        Assert.DoesNotContain("Argv-Passw0rd-1", output);
    }

    private async Task RenameTableAsync(string from, string to)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(app.DataDirectory, "promptleo.db")};Pooling=False");
        await connection.OpenAsync();
        await using var rename = connection.CreateCommand();
        rename.CommandText = $"ALTER TABLE \"{from}\" RENAME TO \"{to}\";";
        await rename.ExecuteNonQueryAsync();
    }

    [GeneratedRegex("(?:href|src)=\"([^\"]+\\.(?:css|js))\"")]
    private static partial Regex AssetReference();
}
