using System.Text.Json;
using AI = Microsoft.Extensions.AI;

namespace PromptLeo.Inference.Llm;

/// <summary>
/// <c>Microsoft.Extensions.AI</c> messages and options to a <see cref="ChatRequest"/> and back. The options' own fields map
/// to <see cref="SamplingOptions"/> (temperature, top-p, top-k, max output tokens, seed, stop sequences, penalties),
/// <see cref="ChatRequest.ResponseFormat"/>, <see cref="ChatRequest.Tools"/> (function declarations with their JSON
/// schema), <see cref="ChatRequest.ToolChoice"/> and <see cref="ChatRequest.Thinking"/> (reasoning effort <c>None</c> turns
/// it off); what the options have no field for is read from <see cref="AI.ChatOptions.AdditionalProperties"/> under the
/// keys below.
/// </summary>
public static class ChatEngineRequests
{
    public const string MinPKey = "promptleo.min_p";
    public const string RepeatPenaltyKey = "promptleo.repeat_penalty";
    public const string GrammarKey = "promptleo.grammar";
    public const string LogProbsKey = "promptleo.logprobs";
    public const string TopLogProbsKey = "promptleo.top_logprobs";
    public const string FairnessKeyKey = "promptleo.fairness_key";
    public const string CacheScopeKey = "promptleo.cache_scope";

    /// <summary>The engine request for <paramref name="messages"/> under <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">No model id in the options and no default.</exception>
    public static ChatRequest ToChatRequest(IEnumerable<AI.ChatMessage> messages, AI.ChatOptions? options, string? defaultModelId = null)
    {
        var modelId = options?.ModelId ?? defaultModelId
            ?? throw new ArgumentException("ChatOptions.ModelId names the model to use.", nameof(options));
        var defaults = new SamplingOptions();
        var extra = options?.AdditionalProperties;
        var sampling = new SamplingOptions
        {
            Temperature = options?.Temperature ?? defaults.Temperature,
            TopP = options?.TopP ?? defaults.TopP,
            TopK = options?.TopK ?? defaults.TopK,
            MaxTokens = options?.MaxOutputTokens ?? defaults.MaxTokens,
            Seed = options?.Seed is { } seed ? unchecked((uint)seed) : null,
            Stop = options?.StopSequences is { } stop ? [.. stop] : [],
            FrequencyPenalty = options?.FrequencyPenalty ?? 0,
            PresencePenalty = options?.PresencePenalty ?? 0,
            MinP = Read(extra, MinPKey, defaults.MinP),
            RepeatPenalty = Read(extra, RepeatPenaltyKey, defaults.RepeatPenalty),
            Grammar = Read<string?>(extra, GrammarKey, null),
            LogProbs = Read(extra, LogProbsKey, false),
            TopLogProbs = Read(extra, TopLogProbsKey, 0),
        };
        return new ChatRequest(modelId, [.. messages.SelectMany(ToEngineMessages)], sampling,
            Read<string?>(extra, FairnessKeyKey, null), Read<string?>(extra, CacheScopeKey, null))
        {
            Thinking = options?.Reasoning?.Effort != AI.ReasoningEffort.None,
            Tools = options?.Tools is { } tools
                ? [.. tools.OfType<AI.AIFunctionDeclaration>().Select(t => new ToolDefinition(t.Name, t.Description, t.JsonSchema.ValueKind == JsonValueKind.Undefined ? null : t.JsonSchema))]
                : [],
            ToolChoice = options?.ToolMode switch
            {
                AI.NoneChatToolMode => new ToolChoice(ToolChoiceMode.None),
                AI.RequiredChatToolMode { RequiredFunctionName: { } name } => new ToolChoice(ToolChoiceMode.Function, name),
                AI.RequiredChatToolMode => new ToolChoice(ToolChoiceMode.Required),
                _ => ToolChoice.Auto,
            },
            ResponseFormat = options?.ResponseFormat switch
            {
                AI.ChatResponseFormatJson { Schema: { } schema } => new ResponseFormat(ResponseFormatKind.JsonSchema, schema),
                AI.ChatResponseFormatJson => new ResponseFormat(ResponseFormatKind.JsonObject),
                _ => ResponseFormat.Text,
            },
        };
    }

    /// <summary>The request's turns as <c>Microsoft.Extensions.AI</c> messages (tool calls and results included).</summary>
    public static List<AI.ChatMessage> ToMessages(ChatRequest request) =>
        [.. request.Messages.Select(m =>
        {
            var role = m.Role switch
            {
                ChatRole.System => AI.ChatRole.System,
                ChatRole.User => AI.ChatRole.User,
                ChatRole.Tool => AI.ChatRole.Tool,
                _ => AI.ChatRole.Assistant,
            };
            List<AI.AIContent> contents = m.Role == ChatRole.Tool
                ? [new AI.FunctionResultContent(m.ToolCallId ?? "", m.Content)]
                : [new AI.TextContent(m.Content)];
            contents.AddRange(m.ToolCalls.Select(c => new AI.FunctionCallContent(c.Id, c.Name) { RawRepresentation = c }));
            return new AI.ChatMessage(role, contents);
        })];

    /// <summary>
    /// Options that carry <paramref name="request"/> exactly: its generic fields for any <see cref="AI.IChatClient"/>, and the
    /// request itself as the raw representation a <see cref="ChatEngineClient"/> uses as is.
    /// </summary>
    public static AI.ChatOptions ToOptions(ChatRequest request) => new()
    {
        ModelId = request.ModelId,
        Temperature = request.Sampling.Temperature,
        TopP = request.Sampling.TopP,
        TopK = request.Sampling.TopK,
        MaxOutputTokens = request.Sampling.MaxTokens,
        Seed = request.Sampling.Seed,
        StopSequences = [.. request.Sampling.Stop],
        RawRepresentationFactory = _ => request,
    };

    private static IEnumerable<ChatMessage> ToEngineMessages(AI.ChatMessage message)
    {
        if (message.Role == AI.ChatRole.Tool)
        {
            // One engine turn per result: each names the call it answers.
            foreach (var result in message.Contents.OfType<AI.FunctionResultContent>())
            {
                yield return new ChatMessage(ChatRole.Tool, ResultText(result.Result)) { ToolCallId = result.CallId };
            }
            yield break;
        }
        var role = message.Role == AI.ChatRole.System ? ChatRole.System : message.Role == AI.ChatRole.Assistant ? ChatRole.Assistant : ChatRole.User;
        yield return new ChatMessage(role, message.Text)
        {
            ToolCalls = [.. message.Contents.OfType<AI.FunctionCallContent>().Select(c => c.RawRepresentation as ToolCall
                ?? new ToolCall(c.CallId, c.Name, JsonSerializer.Serialize(c.Arguments ?? new Dictionary<string, object?>())))],
        };
    }

    private static string ResultText(object? result) => result switch
    {
        null => "",
        string text => text,
        JsonElement json => json.ValueKind == JsonValueKind.String ? json.GetString()! : json.GetRawText(),
        _ => JsonSerializer.Serialize(result),
    };

    // Numbers are accepted in any numeric type (a caller's 0.1 is a double), as the options' own fields are.
    private static T Read<T>(AI.AdditionalPropertiesDictionary? extra, string key, T fallback) =>
        extra is null || !extra.TryGetValue(key, out var value) || value is null ? fallback
        : value is T typed ? typed
        : value is IConvertible && typeof(T).IsPrimitive ? (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture)
        : fallback;
}
