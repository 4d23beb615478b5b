namespace PromptLeo.Inference.Llm;

/// <summary>The model's queue is full; try again after <see cref="RetryAfter"/> (HTTP 429 / 503 with Retry-After).</summary>
public sealed class EngineBusyException(string modelId, TimeSpan retryAfter)
    : Exception($"Model '{modelId}' is busy; retry after {retryAfter.TotalSeconds:0} s.")
{
    public string ModelId { get; } = modelId;
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>A chat request is invalid; <see cref="Field"/> names the offending field (OpenAI names, for example <c>top_p</c>).</summary>
public sealed class ChatRequestException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
