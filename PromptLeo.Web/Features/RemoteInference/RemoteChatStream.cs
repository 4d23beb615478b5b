using System.Text;
using System.Text.Json;
using PromptLeo.Inference.Llm;

namespace PromptLeo.Web.Features.RemoteInference;

/// <summary>
/// Reads one upstream server-sent event stream of <c>chat.completion.chunk</c>s. Deltas become updates as they arrive;
/// the last update (finish reason, tool calls, the reported usage) follows <c>data: [DONE]</c>. A silence longer than the
/// idle timeout, a dropped connection, a stream that ends early or an event that is not a chunk fails the request.
/// </summary>
internal sealed class RemoteChatStream(RemoteCall engine, HttpResponseMessage response, StreamReader reader, int promptEstimate) : IAsyncDisposable
{
    private readonly SortedDictionary<int, (string Id, string Name, StringBuilder Arguments)> toolCalls = [];
    private int promptTokens = promptEstimate;
    private int completionTokens;
    private int reasoningTokens;
    private bool usageReported;
    private FinishReason? finish;
    private bool ended;

    /// <summary>The next update; null after the last one.</summary>
    public async Task<ChatUpdate?> NextAsync(CancellationToken cancellationToken)
    {
        while (!ended)
        {
            var line = await ReadLineAsync(cancellationToken);
            if (line is null)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return Final(FinishReason.Cancelled);
                }
                // A node may close right after the finish without [DONE]; closing before it is a broken answer.
                return finish is { } reason ? Final(reason) : throw engine.Fail(StatusCodes.Status502BadGateway, "remote_incomplete", new("The inference node ended the stream before the answer was complete."));
            }
            if (line.Length == 0 || line[0] == ':' || line.StartsWith("event:", StringComparison.Ordinal) || line.StartsWith("id:", StringComparison.Ordinal) || line.StartsWith("retry:", StringComparison.Ordinal))
            {
                continue;
            }
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                throw Garbage();
            }
            var data = line.AsSpan(5).Trim();
            if (data.SequenceEqual("[DONE]"))
            {
                return Final(finish ?? FinishReason.Stop);
            }
            if (Parse(data.ToString()) is { } update)
            {
                return update;
            }
        }
        return null;
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(engine.IdleTimeout);
        try
        {
            return await reader.ReadLineAsync(idle.Token);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The requester is gone: disposing the response aborts the upstream request.
            return null;
        }
        catch (OperationCanceledException ex)
        {
            throw engine.Fail(StatusCodes.Status504GatewayTimeout, "remote_timeout", new("The inference node stopped sending the answer."), ex);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException)
        {
            throw engine.Fail(StatusCodes.Status502BadGateway, "remote_disconnected", new("The connection to the inference node broke during the answer."), ex);
        }
    }

    // One chunk: content and reasoning deltas out at once; finish reason, tool-call fragments and usage kept for the end.
    private ChatUpdate? Parse(string data)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(data);
        }
        catch (JsonException ex)
        {
            throw Garbage(ex);
        }
        using (document)
        {
            var chunk = document.RootElement;
            if (chunk.ValueKind != JsonValueKind.Object)
            {
                throw Garbage();
            }
            if (chunk.TryGetProperty("error", out _))
            {
                throw engine.Fail(StatusCodes.Status502BadGateway, "remote_error", new("The inference node reported an error during the answer."));
            }
            if (chunk.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                ReadUsage(usage);
            }
            if (!chunk.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array)
            {
                return chunk.TryGetProperty("usage", out _) ? null : throw Garbage();
            }
            var text = "";
            var reasoning = "";
            foreach (var choice in choices.EnumerateArray())
            {
                if (choice.ValueKind != JsonValueKind.Object)
                {
                    throw Garbage();
                }
                if (choice.TryGetProperty("finish_reason", out var reason) && reason.ValueKind == JsonValueKind.String)
                {
                    finish = reason.GetString() == "length" ? FinishReason.Length : FinishReason.Stop;
                }
                if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
                {
                    text += StringOf(delta, "content");
                    reasoning += StringOf(delta, "reasoning_content") + StringOf(delta, "reasoning");
                    ReadToolCalls(delta);
                }
            }
            if (text.Length == 0 && reasoning.Length == 0)
            {
                return null;
            }
            if (!usageReported)
            {
                completionTokens++;
                reasoningTokens += reasoning.Length > 0 ? 1 : 0;
            }
            return new ChatUpdate { TextDelta = text, ReasoningDelta = reasoning, PromptTokens = promptTokens, CompletionTokens = completionTokens, ReasoningTokens = reasoningTokens };
        }
    }

    private void ReadUsage(JsonElement usage)
    {
        if (usage.TryGetProperty("prompt_tokens", out var prompt) && prompt.TryGetInt32(out var p) && p >= 0
            && usage.TryGetProperty("completion_tokens", out var completion) && completion.TryGetInt32(out var c) && c >= 0)
        {
            usageReported = true;
            promptTokens = p;
            completionTokens = c;
            reasoningTokens = usage.TryGetProperty("completion_tokens_details", out var details) && details.ValueKind == JsonValueKind.Object
                && details.TryGetProperty("reasoning_tokens", out var r) && r.TryGetInt32(out var rt) ? rt : 0;
        }
    }

    private void ReadToolCalls(JsonElement delta)
    {
        if (!delta.TryGetProperty("tool_calls", out var calls) || calls.ValueKind != JsonValueKind.Array)
        {
            return;
        }
        foreach (var call in calls.EnumerateArray())
        {
            var index = call.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : toolCalls.Count;
            var current = toolCalls.TryGetValue(index, out var existing) ? existing : ("", "", new StringBuilder());
            var function = call.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object ? f : default;
            toolCalls[index] = (
                StringOf(call, "id") is { Length: > 0 } id ? id : current.Item1,
                function.ValueKind == JsonValueKind.Object && StringOf(function, "name") is { Length: > 0 } name ? name : current.Item2,
                current.Item3.Append(function.ValueKind == JsonValueKind.Object ? StringOf(function, "arguments") : ""));
        }
    }

    private static string StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private ChatUpdate Final(FinishReason reason)
    {
        ended = true;
        if (reason != FinishReason.Cancelled)
        {
            engine.Succeeded();
        }
        return new ChatUpdate
        {
            FinishReason = reason,
            PromptTokens = promptTokens,
            CompletionTokens = completionTokens,
            ReasoningTokens = reasoningTokens,
            ToolCalls = [.. toolCalls.Values.Select(c => new ToolCall(c.Id, c.Name, c.Arguments.ToString()))],
        };
    }

    private Metering.InferenceProviderException Garbage(Exception? inner = null) =>
        engine.Fail(StatusCodes.Status502BadGateway, "remote_invalid_response", new("The inference node sent something that is not a chat completion chunk."), inner);

    public ValueTask DisposeAsync()
    {
        reader.Dispose();
        response.Dispose();
        return ValueTask.CompletedTask;
    }
}
