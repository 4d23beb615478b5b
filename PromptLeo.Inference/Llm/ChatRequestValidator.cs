namespace PromptLeo.Inference.Llm;

/// <summary>Checks a request before it costs anything; errors name the field as the OpenAI API spells it.</summary>
internal static class ChatRequestValidator
{
    public const int MaxStopSequences = 4;

    public static void Validate(ChatRequest request, int maxTokensLimit)
    {
        if (string.IsNullOrWhiteSpace(request.ModelId))
            throw new ChatRequestException("model", "A model id is required.");
        if (request.Messages is not { Count: > 0 })
            throw new ChatRequestException("messages", "At least one message is required.");
        for (var i = 0; i < request.Messages.Count; i++)
        {
            if (request.Messages[i]?.Content is null)
                throw new ChatRequestException($"messages[{i}].content", "Message content is required.");
        }

        var s = request.Sampling ?? throw new ChatRequestException("sampling", "Sampling options are required.");
        if (!float.IsFinite(s.Temperature) || s.Temperature is < 0 or > 2)
            throw new ChatRequestException("temperature", "temperature must be between 0 and 2.");
        if (!float.IsFinite(s.TopP) || s.TopP is < 0 or > 1)
            throw new ChatRequestException("top_p", "top_p must be between 0 and 1.");
        if (s.TopK < 0)
            throw new ChatRequestException("top_k", "top_k must be 0 (off) or positive.");
        if (!float.IsFinite(s.MinP) || s.MinP is < 0 or > 1)
            throw new ChatRequestException("min_p", "min_p must be between 0 and 1.");
        if (!float.IsFinite(s.RepeatPenalty) || s.RepeatPenalty <= 0)
            throw new ChatRequestException("repeat_penalty", "repeat_penalty must be positive (1 = off).");
        if (!float.IsFinite(s.FrequencyPenalty) || s.FrequencyPenalty is < -2 or > 2)
            throw new ChatRequestException("frequency_penalty", "frequency_penalty must be between -2 and 2.");
        if (!float.IsFinite(s.PresencePenalty) || s.PresencePenalty is < -2 or > 2)
            throw new ChatRequestException("presence_penalty", "presence_penalty must be between -2 and 2.");
        if (s.MaxTokens <= 0 || s.MaxTokens > maxTokensLimit)
            throw new ChatRequestException("max_tokens", $"max_tokens must be between 1 and {maxTokensLimit}.");
        if (s.Stop is null || s.Stop.Count > MaxStopSequences || s.Stop.Any(string.IsNullOrEmpty))
            throw new ChatRequestException("stop", $"stop takes up to {MaxStopSequences} non-empty sequences.");
        if (s.TopLogProbs is < 0 or > TokenLogProbs.MaxTop)
            throw new ChatRequestException("top_logprobs", $"top_logprobs must be between 0 and {TokenLogProbs.MaxTop}.");
        if (s.TopLogProbs > 0 && !s.LogProbs)
            throw new ChatRequestException("top_logprobs", "top_logprobs requires logprobs to be true.");
    }
}
