using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Metering;
using PromptLeo.Web.Features.Records;
using static PromptLeo.Web.Features.Api.ApiRequestBody;
using static PromptLeo.Web.Features.Api.ChatCompletionWriter;

namespace PromptLeo.Web.Features.Api;

/// <summary>
/// POST /v1/chat/completions: parses the body, runs the completion as one metered request (guard, budget, processing
/// record, usage) and writes JSON or server-sent events. No prompt or output is stored or logged.
/// </summary>
public sealed class ChatCompletionsEndpoint(
    IModelRegistry registry,
    RemoteInference.RemoteEndpointCatalog remote,
    MeteredInference metered,
    ChatCompletionCollections collections,
    IOptions<ApiOptions> options,
    TimeProvider time,
    ILogger<ChatCompletionsEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        var caller = ApiCallerContext.From(context);
        var requestId = OpenAiErrors.RequestId(context);
        OpenAiErrors.StampHeaders(context);
        var body = await ReadJsonAsync(context, options.Value.MaxJsonBodyBytes);
        var parsed = ChatCompletionsParser.Parse(body, options.Value);
        // Installed here, or served by a registered remote endpoint (the metered path routes it there).
        if (registry.Get(parsed.Request.ModelId) is { } model ? model.Manifest.Kind != ModelKind.Chat : remote.Find(parsed.Request.ModelId)?.Kind != RemoteInference.RemoteModelKinds.Chat)
        {
            throw new ModelNotFoundException(parsed.Request.ModelId);
        }
        // After the model check: the search embeds the question, which is charged.
        (parsed, var citations) = await collections.ApplyAsync(context, body, parsed);

        var bound = MeteredChatClient.UpperBound(parsed.Request);
        var request = new MeteredRequest(caller.Principal, ProcessingPurpose.Chat, parsed.Request.ModelId, bound) { RequestId = requestId };
        var completion = new Completion("chatcmpl-" + requestId[4..], time.GetUtcNow().ToUnixTimeSeconds(), parsed.Request.ModelId);
        var started = Stopwatch.GetTimestamp();
        // Settling does not depend on the client still listening: a disconnect charges what was produced.
        var answer = await metered.RunAsync(request, call => GenerateAsync(context, call, parsed, completion), context.RequestAborted);
        logger.LogInformation("Chat completion {RequestId} on {ModelId}: {Outcome}, {PromptTokens}+{CompletionTokens} tokens in {ElapsedMs} ms",
            requestId, parsed.Request.ModelId, answer.Cancelled ? "cancelled" : "completed", answer.PromptTokens, answer.CompletionTokens,
            (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        if (answer.Cancelled)
        {
            return;
        }

        var finishReason = answer.ToolCalls.Count > 0 ? "tool_calls" : answer.Finish == FinishReason.Length ? "length" : "stop";
        if (parsed.Stream)
        {
            await WriteToolCallChunksAsync(context, completion.Id, completion.Created, completion.Model, answer.ToolCalls);
            if (citations is not null)
            {
                await ChatCompletionCollections.WriteChunkAsync(context, completion.Id, completion.Created, completion.Model, citations);
            }
            await WriteChunkAsync(context, completion.Id, completion.Created, completion.Model, null, null, finishReason, null);
            if (parsed.IncludeUsage)
            {
                await WriteChunkAsync(context, completion.Id, completion.Created, completion.Model, null, null, null, (answer.PromptTokens, answer.CompletionTokens, answer.ReasoningTokens));
            }
            await context.Response.WriteAsync("data: [DONE]\n\n", CancellationToken.None);
            return;
        }

        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body, ChatCompletionWriter.WriterOptions);
        json.WriteStartObject();
        json.WriteString("id", completion.Id);
        json.WriteString("object", "chat.completion");
        json.WriteNumber("created", completion.Created);
        json.WriteString("model", completion.Model);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        json.WriteStartObject("message");
        json.WriteString("role", "assistant");
        // As OpenAI answers a call: content null unless the model also wrote text.
        json.WriteString("content", answer.ToolCalls.Count > 0 && answer.Text.Length == 0 ? null : answer.Text);
        if (answer.ToolCalls.Count > 0)
        {
            WriteToolCalls(json, answer.ToolCalls);
        }
        if (parsed.IncludeReasoning)
        {
            // As vLLM and DeepSeek answer: null when the model did not think.
            json.WriteString("reasoning_content", answer.Reasoning is { Length: > 0 } reasoning ? reasoning : null);
        }
        json.WriteEndObject();
        WriteLogProbs(json, answer.LogProbs);
        json.WriteString("finish_reason", finishReason);
        json.WriteEndObject();
        json.WriteEndArray();
        WriteUsage(json, answer.PromptTokens, answer.CompletionTokens, answer.ReasoningTokens);
        if (citations is not null)
        {
            ChatCompletionCollections.Write(json, citations);
        }
        json.WriteEndObject();
        await json.FlushAsync(CancellationToken.None);
    }

    private sealed record Completion(string Id, long Created, string Model);

    private sealed record Answer(string Text, string Reasoning, FinishReason? Finish, int PromptTokens, int CompletionTokens, int ReasoningTokens, bool Cancelled, IReadOnlyList<ToolCall> ToolCalls, IReadOnlyList<TokenLogProb>? LogProbs);

    /// <summary>The engine call: streams deltas to the client as they come and reports the token counts to the meter.</summary>
    private async Task<Answer> GenerateAsync(HttpContext context, MeteredCall call, ParsedChatCompletion parsed, Completion completion)
    {
        var promptTokens = 0;
        var completionTokens = 0;
        var reasoningTokens = 0;
        FinishReason? finish = null;
        IReadOnlyList<ToolCall> toolCalls = [];
        var text = parsed.Stream ? null : new StringBuilder();
        var reasoning = parsed.Stream || !parsed.IncludeReasoning ? null : new StringBuilder();
        var logProbs = parsed.Request.Sampling.LogProbs ? new List<TokenLogProb>() : null;
        DeltaChunkWriter? deltas = null;
        DeltaChunkWriter? reasoningDeltas = null;
        if (call.Target.IsRemote)
        {
            // The header names the region that processes the answer; set before the first byte.
            context.Response.Headers["X-Processing-Region"] = call.Target.Region;
        }
        // Local and remote models alike through IChatClient; the exact request travels as the options' raw representation.
        var engineRequest = parsed.Request with { FairnessKey = call.Request.Principal.UserId, CacheScope = call.Account.StoresChats ? call.Request.Principal.CacheScope : null };
        var usage = new ChatUsageTotals();
        await using var updates = call.Target.Chat.GetStreamingResponseAsync(ChatEngineRequests.ToMessages(engineRequest), ChatEngineRequests.ToOptions(engineRequest), context.RequestAborted)
            .GetAsyncEnumerator(context.RequestAborted);
        try
        {
            // The first update surfaces validation, busy and load errors before any byte is sent, so they keep their status.
            var hasUpdate = await updates.MoveNextAsync();
            if (parsed.Stream)
            {
                deltas = new DeltaChunkWriter(completion.Id, completion.Created, completion.Model);
                reasoningDeltas = parsed.IncludeReasoning ? new DeltaChunkWriter(completion.Id, completion.Created, completion.Model, "reasoning_content") : null;
                context.Response.ContentType = "text/event-stream";
                context.Response.Headers.CacheControl = "no-cache";
                await WriteChunkAsync(context, completion.Id, completion.Created, completion.Model, "assistant", "", null, null);
            }
            while (hasUpdate)
            {
                var update = updates.Current;
                usage.Add(update);
                promptTokens = Math.Max(promptTokens, usage.PromptTokens);
                completionTokens = Math.Max(completionTokens, usage.CompletionTokens);
                reasoningTokens = Math.Max(reasoningTokens, usage.ReasoningTokens);
                call.Report(new UsageActual(InputTokens: promptTokens, OutputTokens: completionTokens));
                if (update.FinishReason == ChatEngineUpdates.Error)
                {
                    throw new ApiException(StatusCodes.Status500InternalServerError, "The model failed while generating.", "server_error", null, "engine_error");
                }
                if (update.EngineFinish() is { } reason)
                {
                    finish = reason;
                }
                if (update.ToolCalls() is { Count: > 0 } calls)
                {
                    toolCalls = KeptToolCalls(calls, parsed.ParallelToolCalls);
                }
                var textDelta = update.Text;
                var reasoningDelta = update.ReasoningText();
                var updateLogProbs = update.LogProbs();
                var next = updates.MoveNextAsync();
                if (parsed.Stream)
                {
                    // Tokens that are already waiting go out in one flush; a token that is not waits for no one.
                    try
                    {
                        if (reasoningDeltas is not null && reasoningDelta.Length > 0)
                        {
                            await reasoningDeltas.WriteAsync(context, reasoningDelta, nextIsWaiting: next.IsCompleted && textDelta.Length == 0);
                        }
                        if (logProbs is not null && (textDelta.Length > 0 || updateLogProbs.Count > 0))
                        {
                            // Each chunk carries the log probabilities of the tokens sampled for it (off the per-token fast path).
                            await WriteChunkAsync(context, completion.Id, completion.Created, completion.Model, null, textDelta, null, null, flush: !next.IsCompleted, logProbs: updateLogProbs);
                        }
                        else if (textDelta.Length > 0)
                        {
                            await deltas!.WriteAsync(context, textDelta, nextIsWaiting: next.IsCompleted);
                        }
                    }
                    catch (Exception)
                    {
                        // The enumerator cannot be disposed while a MoveNextAsync is pending; let the cancelled engine finish it.
                        await DrainAsync(next);
                        throw;
                    }
                }
                else
                {
                    text!.Append(textDelta);
                    reasoning?.Append(reasoningDelta);
                    logProbs?.AddRange(updateLogProbs);
                }
                hasUpdate = await next;
            }
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested && ex is not InferenceProviderException)
        {
            finish = FinishReason.Cancelled;
        }
        var cancelled = finish is FinishReason.Cancelled || context.RequestAborted.IsCancellationRequested;
        call.Outcome = cancelled ? InferenceOutcome.Cancelled : InferenceOutcome.Completed;
        return new Answer(text?.ToString() ?? "", reasoning?.ToString() ?? "", finish, promptTokens, completionTokens, reasoningTokens, cancelled, toolCalls, logProbs);
    }

    private static async Task DrainAsync(ValueTask<bool> pending)
    {
        try
        {
            await pending;
        }
        catch (Exception)
        {
            // Only the write's exception matters here.
        }
    }

    /// <summary><c>parallel_tool_calls: false</c> keeps the answer's first call only (a forced call is one call by its grammar anyway).</summary>
    internal static IReadOnlyList<ToolCall> KeptToolCalls(IReadOnlyList<ToolCall> calls, bool parallel) => parallel || calls.Count <= 1 ? calls : [calls[0]];
}
