using System.Diagnostics.Metrics;

namespace PromptLeo.Inference.Llm;

/// <summary>Instruments of the meter <c>PromptLeo.Inference.Llm</c>; every measurement is tagged with the model id.</summary>
internal sealed class LlmMetrics : IDisposable
{
    public const string MeterName = "PromptLeo.Inference.Llm";

    private readonly Meter _meter = new(MeterName);

    public Meter Meter => _meter;

    public LlmMetrics()
    {
        QueueDepth = _meter.CreateUpDownCounter<int>("promptleo.llm.queue_depth", "{request}", "Requests waiting for a batch slot");
        ActiveSequences = _meter.CreateUpDownCounter<int>("promptleo.llm.active_sequences", "{sequence}", "Conversations in the decode batch");
        CompletionTokens = _meter.CreateCounter<long>("promptleo.llm.completion_tokens", "{token}", "Generated tokens (rate = tokens/s)");
        PromptTokens = _meter.CreateCounter<long>("promptleo.llm.prompt_tokens", "{token}", "Prompt tokens admitted");
        PromptTokensEvaluated = _meter.CreateCounter<long>("promptleo.llm.prompt_tokens_evaluated", "{token}", "Prompt tokens decoded at admission (not taken from the prompt cache)");
        PromptCacheHitTokens = _meter.CreateCounter<long>("promptleo.llm.prompt_cache_hit_tokens", "{token}", "Prompt tokens whose KV cache was reused from the prompt cache");
        PromptCacheBytes = _meter.CreateUpDownCounter<long>("promptleo.llm.prompt_cache_bytes", "By", "KV-cache bytes held by kept conversations");
        Evictions = _meter.CreateCounter<long>("promptleo.llm.evictions", "{sequence}", "Conversations re-queued because the KV cache was full");
        TimeToFirstToken = _meter.CreateHistogram<double>("promptleo.llm.time_to_first_token", "s", "From submission to the first generated token");
    }

    public UpDownCounter<int> QueueDepth { get; }
    public UpDownCounter<int> ActiveSequences { get; }
    public Counter<long> CompletionTokens { get; }
    public Counter<long> PromptTokens { get; }
    public Counter<long> PromptTokensEvaluated { get; }
    public Counter<long> PromptCacheHitTokens { get; }
    public UpDownCounter<long> PromptCacheBytes { get; }
    public Counter<long> Evictions { get; }
    public Histogram<double> TimeToFirstToken { get; }

    public void Dispose() => _meter.Dispose();
}
