using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PromptLeo.Inference.Llm;
using PromptLeo.Web.Features.RemoteInference;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// A PromptLeo node with the demo models on a real loopback port (Kestrel), in region FR-PAR: the backend another
/// node registers as a remote inference endpoint. It stops at once when disposed (no graceful wait for running
/// streams), as a killed process would.
/// </summary>
public sealed class RemoteBackendPortal : ApiPortalFactory
{
    public const string Region = "FR-PAR";
    public const string NodeName = "gpu-fra-1";

    public string BaseUrl { get; private set; } = "";

    public string ApiBaseUrl => BaseUrl + "/v1";

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["Hosting:Region"] = Region,
        ["Cluster:NodeName"] = NodeName,
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.Zero));
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<LlamaChatEngine>();
            services.AddSingleton<IChatEngine>(provider => new NeverEndingPrompt(provider.GetRequiredService<LlamaChatEngine>()));
        });
    }

    /// <summary>
    /// The prompt the long-stream tests send. The tiny demo model answers its whole context in well under a second on a quiet
    /// machine, so such a stream could end before a cancel or a kill reached it; this backend holds it after a few updates
    /// until the request is cancelled, so it only ever ends through the test's action.
    /// </summary>
    public const string NeverEndingPromptText = "write forever";

    /// <summary>Passes every request to the real engine; holds a <see cref="NeverEndingPromptText"/> stream after eight updates until cancelled.</summary>
    private sealed class NeverEndingPrompt(LlamaChatEngine inner) : IChatEngine
    {
        public async IAsyncEnumerable<ChatUpdate> StreamAsync(ChatRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var held = request.Messages.Count > 0 && request.Messages[^1].Content == NeverEndingPromptText;
            var count = 0;
            await foreach (var update in inner.StreamAsync(request, cancellationToken))
            {
                yield return update;
                if (held && ++count == 8)
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
            }
        }
    }

    public RemoteBackendPortal Start()
    {
        var port = LoopbackPort.Free();
        UseKestrel(options => options.Listen(IPAddress.Loopback, port));
        BaseUrl = $"http://127.0.0.1:{port}";
        StartServer();
        return this;
    }
}

/// <summary>
/// The front node (region DE, no local models): its users' requests for remote models go to registered endpoints.
/// Health checks every second and short timeouts, so that failures show within a test.
/// </summary>
public sealed class RemoteFrontPortal : ApiPortalFactory
{
    public const string NodeName = "front-1";

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Hosting:Region"] = "DE",
        ["Cluster:NodeName"] = NodeName,
        ["Inference:CreateDemoModels"] = "false",
        ["RemoteInference:HealthCheckInterval"] = "00:00:01",
        ["RemoteInference:ResponseTimeout"] = "00:00:02",
        ["RemoteInference:StreamIdleTimeout"] = "00:00:03",
        ["RemoteInference:MaxRetries"] = "1",
        ["RemoteInference:RetryDelay"] = "00:00:00.050",
        ["RemoteInference:BreakDuration"] = "00:00:01",
    };

    /// <summary>Registers an endpoint as an admin does on the admin page; returns its id.</summary>
    public Task<Guid> RegisterAsync(string name, string apiBaseUrl, string region, string? apiKey, string chatModels, string imageModels = "") =>
        Services.GetRequiredService<RemoteEndpointAdministration>().SaveAsync(new RemoteEndpointForm
        {
            Name = name,
            BaseUrl = apiBaseUrl,
            Region = region,
            ApiKey = apiKey,
            ChatModels = chatModels,
            ImageModels = imageModels,
        }, "test-admin");

    public async Task<RemoteEndpointRow> EndpointAsync(string name) =>
        (await Services.GetRequiredService<RemoteEndpointAdministration>().ListAsync()).Single(r => r.Name == name);

    /// <summary>Waits until <paramref name="condition"/> holds (or 20 s pass) and returns its last value.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var value = await read();
        while (!condition(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            value = await read();
        }
        return value;
    }
}

/// <summary>An outside OpenAI-compatible node that misbehaves as told (down, slow, garbage, a failure before a good answer).</summary>
public static class MisbehavingNode
{
    /// <summary>A node listing <paramref name="modelId"/> whose chat endpoint runs <paramref name="chat"/>; returns the app and its /v1 URL.</summary>
    public static async Task<(WebApplication App, string ApiBaseUrl)> StartAsync(string modelId, RequestDelegate chat)
    {
        var (app, url) = await LoopbackServer.StartAsync(app =>
        {
            app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = new[] { new { id = modelId, @object = "model" } } }));
            app.MapPost("/v1/chat/completions", chat);
        });
        return (app, url + "/v1");
    }

    public static async Task WriteEventsAsync(HttpContext context, params string[] events)
    {
        context.Response.ContentType = "text/event-stream";
        foreach (var data in events)
        {
            await context.Response.WriteAsync("data: " + data + "\n\n");
            await context.Response.Body.FlushAsync();
        }
    }
}
