using System.Diagnostics;
using System.Text;
using PromptLeo.Inference.Llm;

/// <summary>
/// Time to first token of the fifth turn of a conversation, warm (the first four turns ran with the same cache scope)
/// against cold (the same request without a scope), alternating so both see the same machine load.
/// </summary>
internal static class PromptCacheBench
{
    private static readonly string[] Words =
        ["data", "privacy", "model", "cloud", "contract", "processing", "record", "customer", "server", "retention",
         "invoice", "region", "storage", "request", "answer", "policy", "audit", "report", "export", "budget"];

    public static async Task RunAsync(IChatEngine engine, IPromptCache cache, string modelId, int wordsPerTurn, int repetitions)
    {
        var load = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
        var clock = Stopwatch.StartNew();
        var warm = new List<Measure>();
        var cold = new List<Measure>();
        long bytesAfterFourTurns = 0;
        for (var rep = 0; rep < repetitions; rep++)
        {
            var scope = $"bench-{rep}";
            // A different conversation each repetition, so no repetition is served by another's kept tokens.
            var history = new List<ChatMessage> { new(ChatRole.System, "You are a careful assistant for data protection questions.") };
            for (var turn = 1; turn <= 4; turn++)
            {
                history.Add(new ChatMessage(ChatRole.User, Text(rep, turn, wordsPerTurn)));
                var answer = await TurnAsync(engine, Request(modelId, history, scope, maxTokens: 32));
                history.Add(new ChatMessage(ChatRole.Assistant, answer.Text));
            }

            bytesAfterFourTurns = Math.Max(bytesAfterFourTurns, cache.BytesHeld);
            history.Add(new ChatMessage(ChatRole.User, Text(rep, 5, wordsPerTurn / 4)));
            // Warm, then the same request cold (no scope: it cannot find the kept conversation, and needs its cells).
            warm.Add(await TurnAsync(engine, Request(modelId, history, scope, maxTokens: 16)));
            cold.Add(await TurnAsync(engine, Request(modelId, history, null, maxTokens: 16)));
            Console.Error.WriteLine($"rep {rep}: cold {cold[^1].TtftMs:0} ms, warm {warm[^1].TtftMs:0} ms " +
                                    $"({warm[^1].Last.CachedPromptTokens}/{warm[^1].Last.PromptTokens} prompt tokens cached, " +
                                    $"answers {(warm[^1].Text == cold[^1].Text ? "equal" : "differ")})");
        }

        var bestCold = cold.MinBy(m => m.TtftMs)!;
        var bestWarm = warm.MinBy(m => m.TtftMs)!;
        // Characters the warm and cold answers share from the start; equal answers share all.
        var agreement = warm.Zip(cold).Select(p => p.First.Text == p.Second.Text ? "equal"
            : $"differ after {p.First.Text.AsSpan().CommonPrefixLength(p.Second.Text)} of {p.Second.Text.Length} chars").ToList();
        // Each pair ran back to back, under the same load: its ratio is the fairest single figure.
        var pairRatios = cold.Zip(warm).Select(p => p.First.TtftMs / p.Second.TtftMs).Order().ToList();
        Console.WriteLine($"Fifth turn of a conversation (4 earlier turns, {wordsPerTurn} words per user turn, 32-token answers, greedy); " +
                          $"best of {repetitions} alternating cold/warm pairs; load average at start {load}; total run {clock.Elapsed.TotalSeconds:0}s.");
        Console.WriteLine();
        Console.WriteLine("| fifth turn | prompt tokens | evaluated | TTFT ms (best) | TTFT ms (median) | vs cold |");
        Console.WriteLine("|---|---|---|---|---|---|");
        Console.WriteLine($"| cold (no scope) | {bestCold.Last.PromptTokens} | {bestCold.Last.PromptTokens - bestCold.Last.CachedPromptTokens} | {bestCold.TtftMs:0} | {Median(cold):0} | 1.0× |");
        Console.WriteLine($"| warm (same scope) | {bestWarm.Last.PromptTokens} | {bestWarm.Last.PromptTokens - bestWarm.Last.CachedPromptTokens} | {bestWarm.TtftMs:0} | {Median(warm):0} | " +
                          $"**{bestCold.TtftMs / bestWarm.TtftMs:0.0}×** (median {Median(cold) / Median(warm):0.0}×) |");
        Console.WriteLine();
        Console.WriteLine($"Cold/warm ratio per back-to-back pair: {string.Join(", ", pairRatios.Select(r => $"{r:0.0}×"))} " +
                          $"(median {pairRatios[pairRatios.Count / 2]:0.0}×).");
        Console.WriteLine($"Prompt cache held after four turns: {bytesAfterFourTurns / 1e6:0.0} MB of KV cache (F16), inside the " +
                          $"context's preallocated cells. Warm vs cold answer per pair: {string.Join("; ", agreement)}.");
    }

    private sealed record Measure(double TtftMs, string Text, ChatUpdate Last);

    private static ChatRequest Request(string modelId, List<ChatMessage> history, string? scope, int maxTokens) =>
        new(modelId, [.. history], new SamplingOptions { Temperature = 0, MaxTokens = maxTokens, Seed = 1 }, CacheScope: scope);

    private static async Task<Measure> TurnAsync(IChatEngine engine, ChatRequest request)
    {
        var started = Stopwatch.GetTimestamp();
        double ttft = -1;
        var text = new StringBuilder();
        var last = new ChatUpdate();
        await foreach (var update in engine.StreamAsync(request))
        {
            if (ttft < 0 && (update.CompletionTokens > 0 || update.FinishReason is not null))
                ttft = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            text.Append(update.TextDelta);
            last = update;
        }

        return new Measure(ttft, text.ToString(), last);
    }

    private static string Text(int rep, int turn, int words) =>
        string.Join(' ', Enumerable.Range(0, words).Select(i => Words[(i * 7 + turn * 3 + rep) % Words.Length]));

    private static double Median(List<Measure> measures)
    {
        var sorted = measures.Select(m => m.TtftMs).Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
