using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using LLama;
using LLama.Batched;
using LLama.Native;
using LLama.Sampling;

namespace PromptLeo.Inference.Llm;

/// <summary>One request inside a <see cref="ContinuousBatchScheduler"/>: its tokens, sampler and output channel.</summary>
internal sealed class ChatJob
{
    private readonly StringBuilder _pending = new();
    private readonly int _holdBack;
    private readonly List<TokenLogProb> _pendingLogProbs = [];
    private float[]? _logits;
    private float[]? _scratch;

    public ChatJob(LLamaWeights weights, IReadOnlyList<LLamaToken> promptTokens, SamplingOptions sampling,
        int droppedTurns, string fairnessKey, string? cacheScope, CancellationToken cancellationToken)
    {
        CacheScope = cacheScope;
        Sequence = [.. promptTokens];
        PromptTokenCount = promptTokens.Count;
        Sampling = sampling;
        DroppedTurns = droppedTurns;
        FairnessKey = fairnessKey;
        CancellationToken = cancellationToken;
        Decoder = new StreamingTokenDecoder(Encoding.UTF8, weights);
        Sampler = new DefaultSamplingPipeline
        {
            Temperature = sampling.Temperature,
            TopP = sampling.TopP,
            TopK = sampling.TopK,
            MinP = sampling.MinP,
            RepeatPenalty = sampling.RepeatPenalty,
            FrequencyPenalty = sampling.FrequencyPenalty,
            PresencePenalty = sampling.PresencePenalty,
            Seed = sampling.Seed ?? (uint)Random.Shared.Next(),
            Grammar = sampling.Grammar is { } grammar ? new Grammar(grammar, "root") : null,
            LogitBias = sampling.Grammar is null ? new Dictionary<LLamaToken, float>() : Structured.InvalidUtf8Tokens.Ban(weights),
        };
        _holdBack = sampling.Stop.Count == 0 ? 0 : sampling.Stop.Max(s => s.Length) - 1;
    }

    /// <summary>Prompt plus generated tokens: what the KV cache holds, and what is re-prompted after an eviction.</summary>
    public List<LLamaToken> Sequence { get; }
    public int PromptTokenCount { get; }
    public int CompletionTokens { get; set; }
    public SamplingOptions Sampling { get; }
    public int DroppedTurns { get; }
    public string FairnessKey { get; }
    /// <summary>Scope whose prompt cache this request may use and join; cleared when the scope is dropped while it runs.</summary>
    public string? CacheScope { get; set; }
    /// <summary>Prompt tokens reused from the prompt cache at admission.</summary>
    public int CachedPromptTokens { get; set; }
    public CancellationToken CancellationToken { get; }
    public StreamingTokenDecoder Decoder { get; }
    public DefaultSamplingPipeline Sampler { get; }
    public Conversation? Conversation { get; set; }
    public LLamaToken? PendingToken { get; set; }
    public long SubmittedAt { get; } = Stopwatch.GetTimestamp();
    public bool FirstTokenSeen { get; set; }
    public int? ReportedQueuePosition { get; set; }
    public bool Finished { get; private set; }

    /// <summary>Keeps a copy of the raw logits of the position about to be sampled (only for a request that asked for log probabilities).</summary>
    public void KeepLogits(ReadOnlySpan<float> logits)
    {
        _logits ??= new float[logits.Length];
        _scratch ??= new float[logits.Length];
        logits.CopyTo(_logits);
    }

    /// <summary>Records the log probability of the token sampled from the kept logits; it goes out with the next text.</summary>
    public void AddLogProb(LLamaWeights weights, LLamaToken token) =>
        _pendingLogProbs.Add(TokenLogProbs.Describe(weights, _logits, _scratch, token, Sampling.TopLogProbs));

    public Channel<ChatUpdate> Updates { get; } =
        Channel.CreateUnbounded<ChatUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    public ChatUpdate Snapshot() => new()
    {
        PromptTokens = PromptTokenCount,
        CachedPromptTokens = CachedPromptTokens,
        CompletionTokens = CompletionTokens,
        DroppedTurns = DroppedTurns,
    };

    /// <summary>Adds decoded text; returns true when a stop sequence was completed (text after it is dropped).</summary>
    public bool AppendText(string text)
    {
        _pending.Append(text);
        if (Sampling.Stop.Count > 0)
        {
            var pending = _pending.ToString();
            var stopAt = Sampling.Stop.Select(s => pending.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0)
                .DefaultIfEmpty(-1).Min();
            if (stopAt >= 0)
            {
                _pending.Length = stopAt;
                Flush();
                return true;
            }
        }

        // Hold back a tail that could still become a stop sequence.
        var safe = _pending.Length - _holdBack;
        if (safe > 0)
        {
            Emit(_pending.ToString(0, safe));
            _pending.Remove(0, safe);
        }

        return false;
    }

    public void Flush()
    {
        if (_pending.Length > 0)
            Emit(_pending.ToString());
        _pending.Clear();
    }

    public void Complete(FinishReason reason, string? error = null)
    {
        if (Finished)
            return;
        Finished = true;
        if (reason != FinishReason.Error)
            Flush();
        Updates.Writer.TryWrite(Snapshot() with { FinishReason = reason, Error = error, LogProbs = TakeLogProbs() });
        Updates.Writer.TryComplete();
        DisposeConversation();
        Sampler.Dispose();
    }

    /// <summary>Hands the conversation (and its KV cells) over to the prompt cache instead of disposing it.</summary>
    public Conversation? DetachConversation()
    {
        var conversation = Conversation;
        Conversation = null;
        PendingToken = null;
        return conversation;
    }

    public void DisposeConversation()
    {
        var conversation = Conversation;
        Conversation = null;
        PendingToken = null;
        try
        {
            conversation?.Dispose();
        }
        catch (ObjectDisposedException)
        {
            // The executor went first (recreated after a failure); its KV cache is gone with it.
        }
    }

    private void Emit(string text)
    {
        if (text.Length > 0)
            Updates.Writer.TryWrite(Snapshot() with { TextDelta = text, LogProbs = TakeLogProbs() });
    }

    private IReadOnlyList<TokenLogProb> TakeLogProbs()
    {
        if (_pendingLogProbs.Count == 0)
            return [];
        var taken = _pendingLogProbs.ToArray();
        _pendingLogProbs.Clear();
        return taken;
    }
}
