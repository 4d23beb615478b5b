extern alias web;

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Models.Demo;
using web::PromptLeo.Web.Data;
using web::PromptLeo.Web.Features.ApiKeys;
using web::PromptLeo.Web.Features.RemoteInference;

namespace PromptLeo.Bench.Remote;

/// <summary>
/// API streaming through a remote node against streaming from that node directly, in the same run: a backend node with
/// the 768×16 F16 bench model (region FR-PAR) and a front node without models that has the backend registered as its
/// remote endpoint, both in this process on loopback Kestrel ports. Paired requests alternate their order; the ratio
/// (tokens/s through the front / tokens/s from the backend directly) is taken per pair.
/// usage: dotnet run -c Release --project bench/PromptLeo.Bench.Api -- remote [maxTokens=256] [pairs=11]
/// </summary>
public static class RemoteBench
{
    public static async Task RunAsync(string[] args)
    {
        var maxTokens = args.Length > 0 ? int.Parse(args[0]) : 256;
        var pairs = args.Length > 1 ? int.Parse(args[1]) : 11;
        var root = Path.Combine(Path.GetTempPath(), "promptleo-bench-remote", Guid.NewGuid().ToString("N"));
        var model = new DemoChatModelOptions
        {
            Id = "bench-f16", EmbeddingLength = 768, BlockCount = 16, HeadCount = 12, HeadCountKv = 2, FeedForwardLength = 2048,
            ContextLength = 2048, ExtraVocabPieces = 8000, UseF16 = true, Seed = 1,
        };
        await DemoChatModelWriter.WriteAsync(Path.Combine(root, "backend", "models"), model);

        await using var backend = new NodePortal(Path.Combine(root, "backend"), "FR-PAR", "bench-backend");
        await using var front = new NodePortal(Path.Combine(root, "front"), "DE", "bench-front");
        var backendUrl = backend.Start();
        var frontUrl = front.Start();
        var (_, backendKey) = await backend.UserWithKeyAsync();
        var (_, frontKey) = await front.UserWithKeyAsync();
        await front.Services.GetRequiredService<RemoteEndpointAdministration>().SaveAsync(new RemoteEndpointForm
        {
            Name = "bench-backend", BaseUrl = backendUrl + "/v1", Region = "FR-PAR", ApiKey = backendKey, ChatModels = model.Id,
        }, "bench");

        using var direct = Client(backendUrl, backendKey);
        using var remote = Client(frontUrl, frontKey);
        string body = JsonSerializer.Serialize(new
        {
            model = model.Id, stream = true, stream_options = new { include_usage = true }, max_tokens = maxTokens, temperature = 0, seed = 1,
            messages = new[] { new { role = "user", content = "Write a long story about the sea." } },
        });

        async Task<Sample> StreamAsync(HttpClient client)
        {
            var clock = Stopwatch.StartNew();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var tokens = 0;
            var firstToken = 0.0;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line == "data: [DONE]") break;
                if (firstToken == 0 && line.Contains("\"content\":\"") && !line.Contains("\"content\":\"\""))
                {
                    firstToken = clock.Elapsed.TotalMilliseconds;
                }
                if (line.StartsWith("data: {") && line.Contains("\"usage\""))
                {
                    using var doc = JsonDocument.Parse(line[6..]);
                    tokens = doc.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
                }
            }
            return new Sample(clock.Elapsed.TotalSeconds, tokens, firstToken);
        }

        async Task<(Sample, Sample)> BothAsync(HttpClient first, HttpClient second) => (await StreamAsync(first), await StreamAsync(second));

        // Warm up both paths (model load, JIT, connections, the front's health check).
        await StreamAsync(direct);
        await StreamAsync(remote);
        var ratios = new List<double>();
        var directRates = new List<double>();
        var remoteRates = new List<double>();
        var directFirst = new List<double>();
        var remoteFirst = new List<double>();
        var tokenCounts = new List<int>();
        for (var i = 0; i < pairs; i++)
        {
            // Alternating order, so that drift in machine load hits both sides alike.
            var (d, r) = i % 2 == 0 ? await BothAsync(direct, remote) : Swap(await BothAsync(remote, direct));
            directRates.Add(d.Tokens / d.Seconds);
            remoteRates.Add(r.Tokens / r.Seconds);
            ratios.Add(r.Tokens / r.Seconds / (d.Tokens / d.Seconds));
            directFirst.Add(d.FirstTokenMs);
            remoteFirst.Add(r.FirstTokenMs);
            tokenCounts.Add(r.Tokens);
        }
        Console.WriteLine($"remote streaming {model.Id}: {pairs} pairs, tokens/request {tokenCounts.Min()}-{tokenCounts.Max()}, direct median {Median(directRates):0.0} tok/s, " +
            $"through the front median {Median(remoteRates):0.0} tok/s, median paired ratio {Median(ratios):0.000} (quartiles {Quantile(ratios, 0.25):0.000}-{Quantile(ratios, 0.75):0.000}), " +
            $"first token direct {Median(directFirst):0} ms, through the front {Median(remoteFirst):0} ms");
    }

    private sealed record Sample(double Seconds, int Tokens, double FirstTokenMs);

    private static (Sample, Sample) Swap((Sample First, Sample Second) pair) => (pair.Second, pair.First);

    private static HttpClient Client(string baseUrl, string key)
    {
        var client = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static double Quantile(List<double> values, double q) => values.Order().ElementAt((int)Math.Round((values.Count - 1) * q));

    /// <summary>One PromptLeo node on its own data folder and loopback port.</summary>
    private sealed class NodePortal(string dataDirectory, string region, string node) : WebApplicationFactory<web::Program>
    {
        public string Start()
        {
            var port = BenchNetwork.FreeLoopbackPort();
            UseKestrel(o => o.Listen(IPAddress.Loopback, port));
            StartServer();
            return $"http://127.0.0.1:{port}";
        }

        public async Task<(string UserId, string Key)> UserWithKeyAsync()
        {
            await using var scope = Services.CreateAsyncScope();
            var user = new ApplicationUser { UserName = $"bench-{node}@promptleo.test", Email = $"bench-{node}@promptleo.test", EmailConfirmed = true };
            await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().CreateAsync(user, "Bench-Passw0rd!");
            var key = await Services.GetRequiredService<ApiKeyService>().CreateAsync(user.Id, "bench", [ApiScopes.Chat], null, null);
            return (user.Id, key.Secret);
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = dataDirectory,
                ["Inference:CreateDemoModels"] = "false",
                ["Hosting:Region"] = region,
                ["Cluster:NodeName"] = node,
                ["Api:RequestsPerMinutePerKey"] = "1000000",
                ["Api:RequestsPerMinutePerUser"] = "1000000",
                ["Billing:IssueInvoicesAutomatically"] = "false",
                ["Logging:LogLevel:Default"] = "Warning",
            }));
        }
    }
}
