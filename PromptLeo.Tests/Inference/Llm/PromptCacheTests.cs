using System.Diagnostics.Metrics;
using LLama.Native;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Llm;

/// <summary>The prompt cache through the real engine and a tiny GGUF model: follow-ups, scopes, bounds, drops.</summary>
public sealed class PromptCacheTests : IAsyncLifetime
{
    private TinyModels _models = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _models = await TinyModels.CreateAsync();
        _services = _models.BuildServices();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _models.DisposeAsync();
    }

    private static List<ChatMessage> FirstTurn(string text = "hello world, tell me about data privacy") =>
        [new(ChatRole.System, "be brief"), new(ChatRole.User, text)];

    private static List<ChatMessage> FollowUp(List<ChatMessage> before, Turn answer, string text = "and what about the second point?") =>
        [.. before, new(ChatRole.Assistant, answer.Text), new(ChatRole.User, text)];

    private static ChatRequest Request(List<ChatMessage> messages, string? scope, int maxTokens = 16) =>
        new("tiny-chat", messages, new SamplingOptions { MaxTokens = maxTokens, Temperature = 0, Seed = 1 }, CacheScope: scope);

    private sealed record Turn(string Text, ChatUpdate Last)
    {
        public int Evaluated => Last.PromptTokens - Last.CachedPromptTokens;
    }

    private static async Task<Turn> RunAsync(IServiceProvider services, ChatRequest request)
    {
        var text = new System.Text.StringBuilder();
        ChatUpdate last = new();
        await foreach (var update in services.GetRequiredService<IChatEngine>().StreamAsync(request))
        {
            text.Append(update.TextDelta);
            last = update;
        }

        Assert.True(last.FinishReason is FinishReason.Stop or FinishReason.Length, $"ended with {last.FinishReason}");
        return new Turn(text.ToString(), last);
    }

    private Task<Turn> RunAsync(ChatRequest request) => RunAsync(_services, request);

    private async Task<LLama.LLamaWeights> WeightsAsync()
    {
        using var lease = await _services.GetRequiredService<IModelRegistry>().AcquireAsync("tiny-chat");
        return ((LlamaChatModel)lease.Model).Weights;
    }

    /// <summary>Sums one of this provider's counters while <paramref name="action"/> runs.</summary>
    private static Task<long> SumAsync(IServiceProvider services, Func<LlmMetrics, Instrument> pick, Func<Task> action) =>
        MeterSum.DuringAsync(pick(services.GetRequiredService<LlmMetrics>()), action);

    [Fact]
    public async Task FollowUp_SameScope_EvaluatesOnlyTheNewTokens()
    {
        var weights = await WeightsAsync();
        var first = FirstTurn();
        var answer = await RunAsync(Request(first, "alice"));
        var second = FollowUp(first, answer);
        var firstTokens = ChatPromptBuilder.Tokenize(weights, first);
        var secondTokens = ChatPromptBuilder.Tokenize(weights, second);
        var sharedPrompt = CommonPrefix(firstTokens, secondTokens);

        Turn? followUp = null;
        var evaluated = await SumAsync(_services, m => m.PromptTokensEvaluated, async () => followUp = await RunAsync(Request(second, "alice")));

        Assert.Equal(0, answer.Last.CachedPromptTokens);
        Assert.Equal(secondTokens.Length, followUp!.Last.PromptTokens);
        // Everything the first turn put into the KV cache and the follow-up repeats is reused: the whole first prompt
        // and the answer's tokens up to where the re-rendered history differs from what was sampled.
        Assert.InRange(followUp.Last.CachedPromptTokens, sharedPrompt, firstTokens.Length + answer.Last.CompletionTokens);
        Assert.True(sharedPrompt >= firstTokens.Length - 1, $"the follow-up's prompt shares only {sharedPrompt} of {firstTokens.Length} tokens");
        // The engine decoded exactly the rest.
        Assert.Equal(followUp.Evaluated, evaluated);
        Assert.Equal(secondTokens.Length - followUp.Last.CachedPromptTokens, evaluated);
    }

    [Fact]
    public async Task WarmTurn_Greedy_GivesTheSameAnswerAsTheSameRequestCold()
    {
        var first = FirstTurn();
        var answer = await RunAsync(Request(first, "alice", maxTokens: 24));
        var second = FollowUp(first, answer);
        var secondAnswer = await RunAsync(Request(second, "alice", maxTokens: 24));
        var third = FollowUp(second, secondAnswer, "one more thing, please explain it again");

        var warm = await RunAsync(Request(third, "alice", maxTokens: 24));
        var cold = await RunAsync(Request(third, null, maxTokens: 24));

        Assert.True(warm.Last.CachedPromptTokens > 0);
        Assert.Equal(0, cold.Last.CachedPromptTokens);
        Assert.Equal(cold.Last.PromptTokens, warm.Last.PromptTokens);
        Assert.Equal(cold.Text, warm.Text);
        Assert.Equal(cold.Last.CompletionTokens, warm.Last.CompletionTokens);
        Assert.Equal(cold.Last.FinishReason, warm.Last.FinishReason);
    }

    [Fact]
    public async Task FollowUp_OtherScope_NeverHits()
    {
        var first = FirstTurn();
        var answer = await RunAsync(Request(first, "alice"));
        var second = FollowUp(first, answer);

        // Another user, a key below alice's scope, and no scope: all cold, although alice's conversation is kept.
        Assert.Equal(0, (await RunAsync(Request(second, "bob"))).Last.CachedPromptTokens);
        Assert.Equal(0, (await RunAsync(Request(second, "alice/key1"))).Last.CachedPromptTokens);
        Assert.Equal(0, (await RunAsync(Request(second, null))).Last.CachedPromptTokens);
        Assert.Equal(0, (await RunAsync(Request(second, "alice2"))).Last.CachedPromptTokens);
        Assert.True((await RunAsync(Request(second, "alice"))).Last.CachedPromptTokens > 0);
    }

    [Fact]
    public async Task Cache_OverEntryBound_EvictsTheLeastRecentlyUsed()
    {
        await using var services = _models.BuildServices(new Dictionary<string, string?> { ["Inference:Llm:PromptCacheMaxEntries"] = "2" });
        var cache = services.GetRequiredService<IPromptCache>();
        var answers = new Dictionary<string, Turn>();
        foreach (var scope in new[] { "a", "b", "c" })
            answers[scope] = await RunAsync(services, Request(FirstTurn(), scope));

        Assert.Equal(2, cache.EntryCount);
        // "a" was used least recently: gone. "c" is kept.
        Assert.Equal(0, (await RunAsync(services, Request(FollowUp(FirstTurn(), answers["a"]), "a"))).Last.CachedPromptTokens);
        Assert.True((await RunAsync(services, Request(FollowUp(FirstTurn(), answers["c"]), "c"))).Last.CachedPromptTokens > 0);
        Assert.Equal(2, cache.EntryCount);
    }

    [Fact]
    public async Task Cache_OverByteBound_KeepsWithinItAndReportsTheBytes()
    {
        var weights = await WeightsAsync();
        var promptTokens = ChatPromptBuilder.Tokenize(weights, FirstTurn()).Length;
        // Room for one finished conversation of this prompt and up to 16 answer tokens, not for two.
        var bound = ContinuousBatchScheduler.BytesPerCell(weights) * (promptTokens + 16);
        await using var services = _models.BuildServices(new Dictionary<string, string?> { ["Inference:Llm:PromptCacheMaxBytes"] = bound.ToString() });
        var cache = services.GetRequiredService<IPromptCache>();

        var first = await RunAsync(services, Request(FirstTurn(), "a"));
        var held = cache.BytesHeld;
        long gauge = 0;
        gauge += await SumAsync(services, m => m.PromptCacheBytes, () => RunAsync(services, Request(FirstTurn(), "b")));

        Assert.Equal(ContinuousBatchScheduler.BytesPerCell(weights) * (promptTokens + first.Last.CompletionTokens - (first.Last.FinishReason == FinishReason.Stop ? 0 : 1)), held);
        Assert.Equal(1, cache.EntryCount);
        Assert.InRange(cache.BytesHeld, 1, bound);
        // The gauge moved by what the cache holds now minus what it held before.
        Assert.Equal(cache.BytesHeld - held, gauge);
        Assert.Equal(0, (await RunAsync(services, Request(FollowUp(FirstTurn(), first), "a"))).Last.CachedPromptTokens);
    }

    [Fact]
    public async Task DropScope_DropsTheScopeAndTheScopesBelowIt_NotOthers()
    {
        var cache = _services.GetRequiredService<IPromptCache>();
        var answers = new Dictionary<string, Turn>();
        foreach (var scope in new[] { "alice", "alice/key1", "bob" })
            answers[scope] = await RunAsync(Request(FirstTurn(), scope));
        Assert.Equal(3, cache.EntryCount);

        cache.DropScope("alice");

        Assert.Equal(1, cache.EntryCount);
        Assert.Equal(0, (await RunAsync(Request(FollowUp(FirstTurn(), answers["alice"]), "alice"))).Last.CachedPromptTokens);
        Assert.Equal(0, (await RunAsync(Request(FollowUp(FirstTurn(), answers["alice/key1"]), "alice/key1"))).Last.CachedPromptTokens);
        Assert.True((await RunAsync(Request(FollowUp(FirstTurn(), answers["bob"]), "bob"))).Last.CachedPromptTokens > 0);
    }

    [Fact]
    public async Task DropScope_WhileARequestOfTheScopeRuns_ThatRequestIsNotKept()
    {
        var cache = _services.GetRequiredService<IPromptCache>();
        var entries = cache.EntryCount;
        // Sampled with a fixed seed: this stream runs well past its first tokens on the tiny model (deterministic).
        var request = new ChatRequest("tiny-chat", FirstTurn(), new SamplingOptions { MaxTokens = 40, Temperature = 0.8f, Seed = 5 },
            CacheScope: "alice/key1");
        int? droppedAt = null;
        ChatUpdate last = new();
        await foreach (var update in _services.GetRequiredService<IChatEngine>().StreamAsync(request))
        {
            if (droppedAt is null && update.CompletionTokens >= 1)
            {
                cache.DropScope("alice");
                droppedAt = update.CompletionTokens;
            }

            last = update;
        }

        Assert.True(last.CompletionTokens > droppedAt + 1, $"the stream ended at {last.CompletionTokens} tokens, dropped at {droppedAt}");
        Assert.Equal(entries, cache.EntryCount);
        Assert.Equal(0, cache.BytesHeld);
    }

    [Fact]
    public async Task KeptConversations_UnderKvPressure_GiveWayBeforeAnyRequestIsEvicted()
    {
        await using var services = _models.BuildServices(new Dictionary<string, string?> { ["Inference:Llm:ContextSize"] = "256" });
        var weights = await WeightsAsync();
        var bytesPerCell = ContinuousBatchScheduler.BytesPerCell(weights);
        var cache = services.GetRequiredService<IPromptCache>();
        foreach (var scope in new[] { "a", "b", "c", "d" })
            await RunAsync(services, Request(FirstTurn("hi"), scope, maxTokens: 8));
        var keptBefore = cache.EntryCount;
        var cellsBefore = cache.BytesHeld / bytesPerCell;
        var longRequest = Request(FirstTurn(string.Join(' ', Enumerable.Repeat("privacy", 18))), "e", maxTokens: 40);
        var longPrompt = ChatPromptBuilder.Tokenize(weights, longRequest.Messages).Length;

        // The long request and the kept conversations do not fit the 256 cells together.
        Turn? result = null;
        var evictions = await SumAsync(services, m => m.Evictions, async () => result = await RunAsync(services, longRequest));

        Assert.Equal(4, keptBefore);
        Assert.True(cellsBefore + longPrompt + 40 > 256, $"kept {cellsBefore} cells, the request needs {longPrompt} + 40");
        Assert.Equal(0, evictions);
        Assert.Equal(longPrompt, result!.Last.PromptTokens);
        Assert.InRange(cache.EntryCount, 1, keptBefore); // some gave way; the long request itself is kept
        Assert.InRange(cache.BytesHeld / bytesPerCell, 1, 256);
    }

    private static int CommonPrefix(LLamaToken[] a, LLamaToken[] b)
    {
        var i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i])
            i++;
        return i;
    }
}
