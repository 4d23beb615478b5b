extern alias web;

// /v1 API benchmark: streaming overhead against the engine on the same tiny model, ledger write cost, GET /v1/models throughput.
// usage: dotnet run -c Release --project bench/PromptLeo.Bench.Api [maxTokens] [rounds]
//        dotnet run -c Release --project bench/PromptLeo.Bench.Api -- remote [maxTokens] [pairs] (Remote/RemoteBench.cs)
//        dotnet run -c Release --project bench/PromptLeo.Bench.Api -- load [apiStreams] [portalUsers] [seconds] [maxTokens] (Load/LoadBench.cs)
// The portal runs in-process on a loopback Kestrel port; the load generator is an HttpClient in this process (no wrk here).
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Llm;
using web::PromptLeo.Web.Data;
using PromptLeo.Inference.Models.Demo;
using web::PromptLeo.Web.Features.ApiKeys;
using web::PromptLeo.Web.Features.Billing;
using web::PromptLeo.Web.Features.Metering;
using web::PromptLeo.Web.Features.Records;

if (args is ["remote", .. var remoteArgs])
{
    await PromptLeo.Bench.Remote.RemoteBench.RunAsync(remoteArgs);
    return;
}

if (args is ["load", .. var loadArgs])
{
    await PromptLeo.Bench.Load.LoadBench.RunAsync(loadArgs);
    return;
}

var maxTokens = args.Length > 0 ? int.Parse(args[0]) : 256;
var rounds = args.Length > 1 ? int.Parse(args[1]) : 31;
var dataDirectory = Path.Combine(Path.GetTempPath(), "promptleo-bench-api", Guid.NewGuid().ToString("N"));
var port = BenchNetwork.FreeLoopbackPort();
// Besides the tiny demo model (a token every ~0.3 ms, the worst case for per-token overhead), the same "bench-f16"
// shape the LLM engine benchmark uses: its per-token cost is closer to, though still far below, a real model's.
var benchModel = new DemoChatModelOptions
{
    Id = "bench-f16", EmbeddingLength = 768, BlockCount = 16, HeadCount = 12, HeadCountKv = 2, FeedForwardLength = 2048,
    ContextLength = 2048, ExtraVocabPieces = 8000, UseF16 = true, Seed = 1,
};
await DemoChatModelWriter.WriteAsync(Path.Combine(dataDirectory, "models"), benchModel);

await using var portal = new BenchPortal(dataDirectory);
portal.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
portal.StartServer();
var services = portal.Services;

string userId;
await using (var scope = services.CreateAsyncScope())
{
    var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
    var user = new ApplicationUser { UserName = "bench@promptleo.test", Email = "bench@promptleo.test", EmailConfirmed = true };
    await users.CreateAsync(user, "Bench-Passw0rd!");
    userId = user.Id;
}
var key = await services.GetRequiredService<ApiKeyService>().CreateAsync(userId, "bench", [ApiScopes.Chat, ApiScopes.Images], null, null);
using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Secret);
var engine = services.GetRequiredService<IChatEngine>();
var messages = new[] { new ChatMessage(ChatRole.User, "Write a long story about the sea.") };
var sampling = new SamplingOptions { Temperature = 0, Seed = 1, MaxTokens = maxTokens };
string Body(string model) => JsonSerializer.Serialize(new
{
    model, stream = true, stream_options = new { include_usage = true }, max_tokens = maxTokens, temperature = 0, seed = 1,
    messages = new[] { new { role = "user", content = messages[0].Content } },
});

async Task<(double Seconds, int Tokens)> DirectAsync(string model)
{
    var clock = Stopwatch.StartNew();
    var tokens = 0;
    await foreach (var update in engine.StreamAsync(new ChatRequest(model, messages, sampling)))
    {
        tokens = update.CompletionTokens;
    }
    return (clock.Elapsed.TotalSeconds, tokens);
}

async Task<(double Seconds, int Tokens)> ApiAsync(string model)
{
    var clock = Stopwatch.StartNew();
    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(Body(model), Encoding.UTF8, "application/json") };
    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    response.EnsureSuccessStatusCode();
    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
    var tokens = 0;
    while (await reader.ReadLineAsync() is { } line)
    {
        if (line == "data: [DONE]") break;
        if (line.StartsWith("data: {") && line.Contains("\"usage\""))
        {
            using var doc = JsonDocument.Parse(line[6..]);
            tokens = doc.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        }
    }
    return (clock.Elapsed.TotalSeconds, tokens);
}

async Task MeasureStreamingAsync(string model, int pairs)
{
    // Warm up both paths (model load, JIT, connection).
    await DirectAsync(model);
    await ApiAsync(model);
    var direct = new List<double>();
    var api = new List<double>();
    var ratios = new List<double>();
    var tokenCounts = new List<int>();
    for (var i = 0; i < pairs; i++)
    {
        // Pairs alternate their order so drift in machine load hits both sides alike; the ratio is taken per pair.
        (double Seconds, int Tokens) d, a;
        if (i % 2 == 0)
        {
            d = await DirectAsync(model);
            a = await ApiAsync(model);
        }
        else
        {
            a = await ApiAsync(model);
            d = await DirectAsync(model);
        }
        direct.Add(d.Tokens / d.Seconds);
        api.Add(a.Tokens / a.Seconds);
        ratios.Add(a.Tokens / a.Seconds / (d.Tokens / d.Seconds));
        tokenCounts.Add(a.Tokens);
    }
    var directMedian = Median(direct);
    var apiMedian = Median(api);
    Console.WriteLine($"streaming {model}: {pairs} pairs, tokens/request {tokenCounts.Min()}-{tokenCounts.Max()}, direct median {directMedian:0} tok/s, api median {apiMedian:0} tok/s, median paired api/direct {Median(ratios):0.000} (quartiles {Quantile(ratios, 0.25):0.000}-{Quantile(ratios, 0.75):0.000}), overhead per token {(1 / apiMedian - 1 / directMedian) * 1e6:0} µs");
}

await MeasureStreamingAsync("demo-chat", rounds);
await MeasureStreamingAsync(benchModel.Id, Math.Max(5, rounds / 3));

// Ledger: the metered path every request takes (guard, reserve, record at start, settle, one SaveChanges for usage and
// the finished record, release), against saving the processing record alone.
var metered = services.GetRequiredService<MeteredInference>();
var records = services.GetRequiredService<ProcessingRecordWriter>();
var dbFactory = services.GetRequiredService<IDbContextFactory<AppDbContext>>();
const int writes = 300;
async Task<double> TimeAsync(bool withLedger)
{
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < writes; i++)
    {
        if (withLedger)
        {
            var request = new MeteredRequest(new InferencePrincipal(userId, key.Key.Id), ProcessingPurpose.Chat, "demo-chat", new UsageActual(InputTokens: 100, OutputTokens: 256));
            await metered.RunAsync(request, call =>
            {
                call.Report(new UsageActual(InputTokens: 40, OutputTokens: 200));
                return Task.FromResult(0);
            }, CancellationToken.None);
            continue;
        }
        await using var db = await dbFactory.CreateDbContextAsync();
        db.ProcessingRecords.Add(records.Create(ProcessingRecordWriter.NewRequestId(), userId, ProcessingPurpose.Chat, "demo-chat", "api"));
        await db.SaveChangesAsync();
    }
    return clock.Elapsed.TotalMilliseconds / writes;
}
await TimeAsync(true);
var recordOnly = await TimeAsync(false);
var withLedger = await TimeAsync(true);
Console.WriteLine($"ledger: record only {recordOnly:0.00} ms/request, metered path (guard, reserve, record at start, event + finished record) {withLedger:0.00} ms/request, ledger adds {withLedger - recordOnly:0.00} ms ({withLedger / recordOnly:0.00}x)");

// GET /v1/models against GET /health (no auth, no rate limiter) with 16 concurrent loopback clients for 5 s each.
async Task<double> ThroughputAsync(string path, bool authorized)
{
    using var client = new HttpClient { BaseAddress = http.BaseAddress };
    if (authorized) client.DefaultRequestHeaders.Authorization = http.DefaultRequestHeaders.Authorization;
    var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 5;
    var count = 0;
    await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
    {
        while (Stopwatch.GetTimestamp() < until)
        {
            using var response = await client.GetAsync(path);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
            Interlocked.Increment(ref count);
        }
    }));
    return count / 5.0;
}
await ThroughputAsync("/v1/models", true);
var health = await ThroughputAsync("/health", false);
var models = await ThroughputAsync("/v1/models", true);
Console.WriteLine($"throughput: GET /health {health:0} req/s, GET /v1/models {models:0} req/s, ratio {models / health:0.00}");

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

static double Quantile(List<double> values, double q)
{
    var sorted = values.Order().ToList();
    return sorted[(int)Math.Round((sorted.Count - 1) * q)];
}


internal static class BenchNetwork
{
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

internal sealed class BenchPortal(string dataDirectory) : WebApplicationFactory<web::Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        // The load run's portal users need the pages' assets (_content/MudBlazor) from the build output.
        builder.UseStaticWebAssets();
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dataDirectory,
            ["Inference:CreateDemoModels"] = "true",
            ["Api:RequestsPerMinutePerKey"] = "1000000",
            ["Api:RequestsPerMinutePerUser"] = "1000000",
            ["Billing:IssueInvoicesAutomatically"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        }));
    }
}
