// LLM engine benchmark: the engine against a bare LLamaSharp BatchedExecutor loop on the same generated F16 model.
// usage: dotnet run -c Release --project bench/PromptLeo.Bench.Llm [tokensPerStream]
//        dotnet run -c Release --project bench/PromptLeo.Bench.Llm prompt-cache [wordsPerTurn] [repetitions]
using System.Diagnostics;
using LLama;
using LLama.Batched;
using LLama.Common;
using LLama.Native;
using LLama.Sampling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;

var promptCacheMode = args is ["prompt-cache", ..];
var tokensPerStream = args is [var first, ..] && int.TryParse(first, out var tokens) ? tokens : 48;
int[] concurrency = [1, 2, 4, 8];
var modelsDirectory = Path.Combine(Path.GetTempPath(), "promptleo-bench-llm");
var options = new DemoChatModelOptions
{
    Id = "bench-f16", EmbeddingLength = 768, BlockCount = 16, HeadCount = 12, HeadCountKv = 2, FeedForwardLength = 2048,
    ContextLength = 2048, ExtraVocabPieces = 8000, UseF16 = true, Seed = 1,
};
var clock = Stopwatch.StartNew();
if (!File.Exists(Path.Combine(modelsDirectory, options.Id, DemoChatModelWriter.GgufFileName)))
    await DemoChatModelWriter.WriteAsync(modelsDirectory, options);
Console.Error.WriteLine($"model ready in {clock.Elapsed.TotalSeconds:0.0}s");

var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Inference:ModelsDirectory"] = modelsDirectory,
    ["Inference:Llm:ContextSize"] = "2048",
    ["Inference:Llm:MaxParallelSequences"] = "8",
}).Build();
await using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddPromptLeoInference().BuildServiceProvider();
var engine = services.GetRequiredService<IChatEngine>();
var registry = services.GetRequiredService<IModelRegistry>();
using var lease = await registry.AcquireAsync(options.Id);
if (promptCacheMode)
{
    await PromptCacheBench.RunAsync(engine, services.GetRequiredService<IPromptCache>(), options.Id,
        args.Length > 1 ? int.Parse(args[1]) : 80, args.Length > 2 ? int.Parse(args[2]) : 3);
    return;
}

var ggufPath = Path.Combine(modelsDirectory, options.Id, DemoChatModelWriter.GgufFileName);
var bareParams = new ModelParams(ggufPath) { ContextSize = 2048, SeqMax = 8, KVUnified = true, BatchSize = 512 };
// The bare loop gets its own weights handle (llama.cpp memory-maps the same file).
using var weights = LLamaWeights.LoadFromFile(bareParams);
Console.Error.WriteLine($"parameters: {weights.ParameterCount:N0}, file {new FileInfo(Path.Combine(modelsDirectory, options.Id, DemoChatModelWriter.GgufFileName)).Length / 1e6:0} MB");

ChatRequest Request(int i) => new(options.Id,
    [new ChatMessage(ChatRole.User, $"hello world {i} the data privacy model")],
    new SamplingOptions { Temperature = 0, MaxTokens = tokensPerStream, Seed = 1 }, $"user{i}");

var promptTokens = Enumerable.Range(0, 8).Select(i =>
{
    var template = new LLamaTemplate(weights) { AddAssistant = true };
    template.Add("user", $"hello world {i} the data privacy model");
    return weights.Tokenize(System.Text.Encoding.UTF8.GetString(template.Apply()), true, true, System.Text.Encoding.UTF8);
}).ToArray();


async Task<(double TokensPerSecond, double TtftMs)> BareAsync(int streams)
{
    using var executor = new BatchedExecutor(weights, bareParams);
    var convs = Enumerable.Range(0, streams).Select(i =>
    {
        var c = executor.Create();
        c.Prompt(promptTokens[i], false);
        return (Conversation: c, Sampler: new GreedySamplingPipeline(), Count: 0, Done: false);
    }).ToArray();
    var sw = Stopwatch.StartNew();
    double ttft = -1;
    var total = 0;
    while (convs.Any(c => !c.Done))
    {
        await executor.Infer();
        for (var i = 0; i < convs.Length; i++)
        {
            ref var c = ref convs[i];
            if (c.Done || !c.Conversation.RequiresSampling)
                continue;
            var token = c.Conversation.Sample(c.Sampler);
            if (ttft < 0)
                ttft = sw.Elapsed.TotalMilliseconds;
            if (token.IsEndOfGeneration(weights.Vocab))
            {
                c.Done = true;
                c.Conversation.Dispose();
                continue;
            }

            total++;
            if (++c.Count >= tokensPerStream)
            {
                c.Done = true;
                c.Conversation.Dispose();
            }
            else
                c.Conversation.Prompt(token);
        }
    }

    return (total / sw.Elapsed.TotalSeconds, ttft);
}

async Task<(double TokensPerSecond, double TtftMs)> EngineAsync(int streams)
{
    var sw = Stopwatch.StartNew();
    var ttft = new double[streams];
    var counts = await Task.WhenAll(Enumerable.Range(0, streams).Select(async i =>
    {
        var last = new ChatUpdate();
        ttft[i] = -1;
        await foreach (var u in engine.StreamAsync(Request(i)))
        {
            if (ttft[i] < 0 && u.CompletionTokens > 0)
                ttft[i] = sw.Elapsed.TotalMilliseconds;
            last = u;
        }

        return last.CompletionTokens;
    }));
    return (counts.Sum() / sw.Elapsed.TotalSeconds, ttft.Where(t => t >= 0).DefaultIfEmpty(0).Min());
}

await BareAsync(1); // warm-up
await EngineAsync(1);
var rows = new List<string>();
foreach (var n in concurrency)
{
    // Best of two, alternating, so both see the same machine load.
    var bare = new List<(double, double)>();
    var eng = new List<(double, double)>();
    for (var r = 0; r < 2; r++)
    {
        bare.Add(await BareAsync(n));
        eng.Add(await EngineAsync(n));
    }

    var b = bare.MaxBy(x => x.Item1);
    var e = eng.MaxBy(x => x.Item1);
    rows.Add($"| {n} | {b.Item1:0} | {e.Item1:0} | {e.Item1 / b.Item1:0.00} | {b.Item2:0} | {e.Item2:0} | {e.Item2 - b.Item2:+0;-0} |");
    Console.Error.WriteLine(rows[^1]);
}

Console.WriteLine($"Model: generated llama, {weights.ParameterCount / 1e6:0}M parameters, F16, greedy, {tokensPerStream} tokens per stream; total run {clock.Elapsed.TotalSeconds:0}s.");
Console.WriteLine();
Console.WriteLine("| streams | bare BatchedExecutor tok/s | engine tok/s | engine / bare | bare TTFT ms | engine TTFT ms | TTFT overhead ms |");
Console.WriteLine("|---|---|---|---|---|---|---|");
rows.ForEach(Console.WriteLine);
