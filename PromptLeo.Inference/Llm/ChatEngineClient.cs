using System.Runtime.CompilerServices;
using System.Text.Json;
using AI = Microsoft.Extensions.AI;

namespace PromptLeo.Inference.Llm;

/// <summary>
/// An <see cref="IChatEngine"/> as <c>Microsoft.Extensions.AI</c>'s <see cref="AI.IChatClient"/>: the in-process GGUF
/// engine and a remote OpenAI-compatible node (whose engine relays the remote's stream) are both used through it.
/// The mapping of what <see cref="ChatUpdate"/> carries is in <see cref="ChatEngineUpdates"/>; the request is
/// <see cref="ChatEngineRequests.ToChatRequest"/> of the messages and options, or the exact <see cref="ChatRequest"/>
/// that <see cref="AI.ChatOptions.RawRepresentationFactory"/> returns.
/// </summary>
public sealed class ChatEngineClient(IChatEngine engine, AI.ChatClientMetadata metadata) : AI.IChatClient
{
    public AI.ChatClientMetadata Metadata { get; } = metadata;

    public Task<AI.ChatResponse> GetResponseAsync(IEnumerable<AI.ChatMessage> messages, AI.ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        AI.ChatResponseExtensions.ToChatResponseAsync(GetStreamingResponseAsync(messages, options, cancellationToken), cancellationToken);

    public async IAsyncEnumerable<AI.ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AI.ChatMessage> messages, AI.ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = options?.RawRepresentationFactory?.Invoke(this) as ChatRequest ?? ChatEngineRequests.ToChatRequest(messages, options, Metadata.DefaultModelId);
        var responseId = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow;
        ChatUpdate? previous = null;
        await foreach (var update in engine.StreamAsync(request, cancellationToken).WithCancellation(cancellationToken))
        {
            yield return ChatEngineUpdates.ToResponseUpdate(update, previous, request.ModelId, responseId, created);
            previous = update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(AI.ChatClientMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType.IsInstanceOfType(engine) ? engine
        : null;

    public void Dispose()
    {
        // The engine belongs to the container (local) or to the request's target (remote).
    }
}

/// <summary>
/// How a <see cref="ChatUpdate"/> becomes a <see cref="AI.ChatResponseUpdate"/> and what a consumer reads back:
/// <list type="bullet">
/// <item>text → <see cref="AI.TextContent"/>; reasoning → <see cref="AI.TextReasoningContent"/>;</item>
/// <item>tool calls → <see cref="AI.FunctionCallContent"/> (the exact <see cref="ToolCall"/>, argument text included, as its raw representation);</item>
/// <item>token counts → <see cref="AI.UsageContent"/> holding the increase since the previous update (prompt = input,
/// completion = output, cached prompt = cached input, reasoning = reasoning), so that summing them, as
/// <c>ToChatResponse</c> does, gives the exact totals at every point of the stream;</item>
/// <item>finish reason → <see cref="AI.ChatFinishReason"/> Stop, Length, ToolCalls (a stop with calls), or the
/// PromptLeo values <c>cancelled</c> and <c>error</c>;</item>
/// <item>what <see cref="AI.IChatClient"/> has no slot for → <see cref="AI.ChatResponseUpdate.AdditionalProperties"/>:
/// <see cref="QueuePositionKey"/>, <see cref="DroppedTurnsKey"/>, <see cref="LogProbsKey"/>, <see cref="ErrorKey"/>;</item>
/// <item>the engine's own update → <see cref="AI.ChatResponseUpdate.RawRepresentation"/>.</item>
/// </list>
/// </summary>
public static class ChatEngineUpdates
{
    public const string QueuePositionKey = "promptleo.queue_position";
    public const string DroppedTurnsKey = "promptleo.dropped_turns";
    public const string LogProbsKey = "promptleo.logprobs";
    public const string ErrorKey = "promptleo.error";

    public static AI.ChatFinishReason Cancelled { get; } = new("cancelled");

    public static AI.ChatFinishReason Error { get; } = new("error");

    public static AI.ChatResponseUpdate ToResponseUpdate(ChatUpdate update, ChatUpdate? previous, string modelId, string responseId, DateTimeOffset created)
    {
        var contents = new List<AI.AIContent>(2);
        if (update.ReasoningDelta.Length > 0)
        {
            contents.Add(new AI.TextReasoningContent(update.ReasoningDelta));
        }
        if (update.TextDelta.Length > 0)
        {
            contents.Add(new AI.TextContent(update.TextDelta));
        }
        foreach (var call in update.ToolCalls)
        {
            contents.Add(new AI.FunctionCallContent(call.Id, call.Name, ParseArguments(call.Arguments)) { RawRepresentation = call });
        }
        if (UsageIncrease(update, previous) is { } usage)
        {
            contents.Add(new AI.UsageContent(usage));
        }
        var result = new AI.ChatResponseUpdate(AI.ChatRole.Assistant, contents)
        {
            ResponseId = responseId,
            MessageId = responseId,
            ModelId = modelId,
            CreatedAt = created,
            RawRepresentation = update,
            FinishReason = update.FinishReason switch
            {
                FinishReason.Stop when update.ToolCalls.Count > 0 => AI.ChatFinishReason.ToolCalls,
                FinishReason.Stop => AI.ChatFinishReason.Stop,
                FinishReason.Length => AI.ChatFinishReason.Length,
                FinishReason.Cancelled => Cancelled,
                FinishReason.Error => Error,
                _ => null,
            },
        };
        if (update.QueuePosition is { } position)
        {
            (result.AdditionalProperties ??= [])[QueuePositionKey] = position;
        }
        if (update.DroppedTurns > 0)
        {
            (result.AdditionalProperties ??= [])[DroppedTurnsKey] = update.DroppedTurns;
        }
        if (update.LogProbs.Count > 0)
        {
            (result.AdditionalProperties ??= [])[LogProbsKey] = update.LogProbs;
        }
        if (update.Error is { } error)
        {
            (result.AdditionalProperties ??= [])[ErrorKey] = error;
        }
        return result;
    }

    private static AI.UsageDetails? UsageIncrease(ChatUpdate update, ChatUpdate? previous)
    {
        var prompt = update.PromptTokens - (previous?.PromptTokens ?? 0);
        var completion = update.CompletionTokens - (previous?.CompletionTokens ?? 0);
        var cached = update.CachedPromptTokens - (previous?.CachedPromptTokens ?? 0);
        var reasoning = update.ReasoningTokens - (previous?.ReasoningTokens ?? 0);
        if (prompt == 0 && completion == 0 && cached == 0 && reasoning == 0)
        {
            return null;
        }
        return new AI.UsageDetails
        {
            InputTokenCount = prompt,
            OutputTokenCount = completion,
            TotalTokenCount = prompt + completion,
            CachedInputTokenCount = cached == 0 ? null : cached,
            ReasoningTokenCount = reasoning == 0 ? null : reasoning,
        };
    }

    private static Dictionary<string, object?>? ParseArguments(string arguments)
    {
        try
        {
            using var json = JsonDocument.Parse(arguments);
            return json.RootElement.ValueKind == JsonValueKind.Object
                ? json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
                : null;
        }
        catch (JsonException)
        {
            // The exact text stays on the raw ToolCall.
            return null;
        }
    }

    /// <summary>1-based queue position while the request waits for a slot; null once it runs.</summary>
    public static int? QueuePosition(this AI.ChatResponseUpdate update) =>
        update.AdditionalProperties?.TryGetValue(QueuePositionKey, out var value) == true && value is int position ? position : null;

    /// <summary>How many of the oldest turns were dropped to fit the context.</summary>
    public static int DroppedTurns(this AI.ChatResponseUpdate update) =>
        update.AdditionalProperties?.TryGetValue(DroppedTurnsKey, out var value) == true && value is int dropped ? dropped : 0;

    /// <summary>Log probabilities of the answer tokens of this update (requested with <c>promptleo.logprobs</c>).</summary>
    public static IReadOnlyList<TokenLogProb> LogProbs(this AI.ChatResponseUpdate update) =>
        update.AdditionalProperties?.TryGetValue(LogProbsKey, out var value) == true && value is IReadOnlyList<TokenLogProb> probs ? probs : [];

    /// <summary>The engine's error text on an <see cref="Error"/> finish; never prompt text.</summary>
    public static string? EngineError(this AI.ChatResponseUpdate update) =>
        update.AdditionalProperties?.TryGetValue(ErrorKey, out var value) == true ? value as string : null;

    /// <summary>The reasoning text of this update.</summary>
    public static string ReasoningText(this AI.ChatResponseUpdate update)
    {
        var reasoning = "";
        foreach (var content in update.Contents)
        {
            if (content is AI.TextReasoningContent r)
            {
                reasoning += r.Text;
            }
        }
        return reasoning;
    }

    /// <summary>The tool calls of this update, with the exact argument text where the engine produced them.</summary>
    public static IReadOnlyList<ToolCall> ToolCalls(this AI.ChatResponseUpdate update)
    {
        List<ToolCall>? calls = null;
        foreach (var content in update.Contents)
        {
            if (content is AI.FunctionCallContent call)
            {
                (calls ??= []).Add(call.RawRepresentation as ToolCall
                    ?? new ToolCall(call.CallId, call.Name, JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>())));
            }
        }
        return calls ?? [];
    }

    /// <summary>The engine's finish reason for an update's <see cref="AI.ChatFinishReason"/> (tool calls finish as a stop).</summary>
    public static FinishReason? EngineFinish(this AI.ChatResponseUpdate update) =>
        update.FinishReason is not { } reason ? null
        : reason == AI.ChatFinishReason.Length ? FinishReason.Length
        : reason == Cancelled ? FinishReason.Cancelled
        : reason == Error ? FinishReason.Error
        : FinishReason.Stop;
}

/// <summary>Running totals of a streamed answer, summed from the <see cref="AI.UsageContent"/> increases.</summary>
public sealed class ChatUsageTotals
{
    public int PromptTokens { get; private set; }

    public int CompletionTokens { get; private set; }

    public int ReasoningTokens { get; private set; }

    public int CachedPromptTokens { get; private set; }

    /// <summary>Adds the update's usage; returns whether it had any.</summary>
    public bool Add(AI.ChatResponseUpdate update)
    {
        var any = false;
        foreach (var content in update.Contents)
        {
            if (content is AI.UsageContent { Details: var usage })
            {
                PromptTokens += (int)(usage.InputTokenCount ?? 0);
                CompletionTokens += (int)(usage.OutputTokenCount ?? 0);
                ReasoningTokens += (int)(usage.ReasoningTokenCount ?? 0);
                CachedPromptTokens += (int)(usage.CachedInputTokenCount ?? 0);
                any = true;
            }
        }
        return any;
    }
}
