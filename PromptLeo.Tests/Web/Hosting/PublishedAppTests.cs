using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Hosting;

/// <summary>
/// The published app in Production, started as deploy/systemd/promptleo.service starts it, reached through
/// deploy/nginx/promptleo.conf over HTTPS: the production path of docs/operations.md.
/// </summary>
public sealed partial class PublishedAppTests(PublishedApp app) : IClassFixture<PublishedApp>
{
    [Theory]
    [InlineData("/_framework/blazor.web.js", "javascript")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css", "text/css")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.js", "javascript")]
    public async Task StaticAssets_InProduction_AreServed(string path, string contentType)
    {
        using var http = app.CreatePublicClient();
        var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(contentType, response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 10_000, $"{path} is (nearly) empty");
    }

    [Fact]
    public async Task LoginPage_InProduction_RendersFormAndItsAssetsLoad()
    {
        using var http = app.CreatePublicClient();
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
    public async Task Login_ThroughProxy_WithAdminFromCredentialFile_SignsInWithSecureCookieAndHsts()
    {
        using var http = app.CreatePublicClient();

        var login = await PortalSession.LoginAsync(http, PublishedApp.AdminEmail, PublishedApp.AdminPassword);

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.DoesNotContain("Login", login.Headers.Location?.ToString() ?? "");
        var authCookie = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("PromptLeo.Auth=", StringComparison.Ordinal));
        Assert.Contains("; secure", authCookie, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("max-age=", login.Headers.GetValues("Strict-Transport-Security").Single());
    }

    [Fact]
    public async Task PlainHttp_AtTheProxy_RedirectsToHttps()
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectCallback = async (context, token) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, token);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        });

        var response = await http.GetAsync(new Uri(app.PlainHttpAddress, "/Account/Login"));

        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal($"https://{PublishedApp.HostName}/Account/Login", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task BlazorHub_ThroughProxy_UpgradesToWebSocketAndHandshakes()
    {
        using var http = app.CreatePublicClient();
        var negotiate = await http.PostAsync("/_blazor/negotiate?negotiateVersion=1", content: null);
        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        using var negotiation = JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync());
        Assert.Contains(negotiation.RootElement.GetProperty("availableTransports").EnumerateArray(), t => t.GetProperty("transport").GetString() == "WebSockets");
        var token = negotiation.RootElement.GetProperty("connectionToken").GetString();

        using var socket = await app.ConnectWebSocketAsync($"/_blazor?id={Uri.EscapeDataString(token!)}");
        Assert.Equal(WebSocketState.Open, socket.State);
        // SignalR handshake: the hub answers "{}" plus the record separator when it accepts the protocol.
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"blazorpack\",\"version\":1}\u001e"), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        var buffer = new byte[256];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.Equal("{}\u001e", Encoding.UTF8.GetString(buffer, 0, received.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task KeyRing_WithCertificateAndPasswordFromSecretsFile_IsEncryptedAndNoWarning()
    {
        using var http = app.CreatePublicClient();
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
            using var http = app.CreatePublicClient();
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
