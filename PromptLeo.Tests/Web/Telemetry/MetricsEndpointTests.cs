using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Telemetry;

/// <summary>The portal on real loopback ports: the main one, and a management port for the Prometheus scraper.</summary>
public sealed class ManagementPortPortal : ApiPortalFactory, IAsyncLifetime
{
    public int MainPort { get; } = LoopbackPort.Free();

    public int ManagementPort { get; } = LoopbackPort.Free();

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["Inference:Device"] = "Cpu",
        ["Telemetry:ManagementPort"] = ManagementPort.ToString(),
    };

    public Task InitializeAsync()
    {
        UseKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, MainPort);
            options.Listen(IPAddress.Loopback, ManagementPort);
        });
        StartServer();
        return Task.CompletedTask;
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;

    /// <summary>With Kestrel there is no in-memory test server: talk to the real loopback port.</summary>
    public override HttpClient CreateBrowserLikeClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new() }) { BaseAddress = new Uri($"http://127.0.0.1:{MainPort}") };

    public HttpClient Plain(int port) => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

}

/// <summary>
/// <c>/metrics</c>: refused to anonymous callers and to signed-in non-admins on the main port; Prometheus text with the
/// inference meters for an administrator, and for anyone on the management port.
/// </summary>
public sealed class MetricsEndpointTests(ManagementPortPortal portal) : IClassFixture<ManagementPortPortal>
{
    [Fact]
    public async Task Metrics_AnonymousOnMainPort_Refused()
    {
        var response = await portal.Plain(portal.MainPort).GetAsync("/metrics");

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("promptleo_", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_SignedInNonAdmin_Refused()
    {
        var (client, _, _) = await portal.SignedInClientAsync();

        var response = await client.GetAsync("/metrics");

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("promptleo_", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_AdminOnMainPortAndAnyoneOnManagementPort_PrometheusTextWithInferenceMeters()
    {
        var key = await portal.CreateKeyAsync(await portal.CreateUserAsync());
        var api = portal.Plain(portal.MainPort);
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key.Secret);
        var chat = await api.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = ApiPortalFactory.ChatModel,
            max_tokens = 4,
            messages = new[] { new { role = "user", content = "Hello" } },
        });
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        var admin = portal.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(admin, PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);

        foreach (var (who, response) in new[] { ("admin", await admin.GetAsync("/metrics")), ("management port", await portal.Plain(portal.ManagementPort).GetAsync("/metrics")) })
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{who}: {response.StatusCode} {response.Headers.Location}");
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType);
            var text = await response.Content.ReadAsStringAsync();
            Assert.Contains("# TYPE promptleo_llm_completion_tokens_total counter", text);
            Assert.Matches(@"promptleo_llm_completion_tokens_total\{[^}]*model=""demo-chat""[^}]*\} [1-9]", text);
            Assert.Contains("promptleo_llm_time_to_first_token", text);
            Assert.Contains("promptleo_inference_requests_total{", text);
            Assert.Matches(@"promptleo_model_state\{[^}]*model=""demo-chat""[^}]*state=""loaded""[^}]*\} 1", text);
            Assert.Contains("http_server_request_duration_seconds", text);
        }
    }
}
