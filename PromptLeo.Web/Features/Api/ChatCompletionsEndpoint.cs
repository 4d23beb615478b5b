using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Records;
using static PromptLeo.Web.Features.Api.ApiRequestBody;

namespace PromptLeo.Web.Features.Api;

/// <summary>
/// POST /v1/chat/completions: checks the account, reserves the budget, streams from the chat engine and writes the
/// usage event and the processing record in one transaction. No prompt or output is stored or logged.
/// </summary>
public sealed class ChatCompletionsEndpoint(
    IChatEngine engine,
    IModelRegistry registry,
    InferenceAccessGuard guard,
    IUsageMeter meter,
    ProcessingRecordWriter records,
    IDbContextFactory<AppDbContext> dbFactory,
    IOptions<ApiOptions> options,
    TimeProvider time,
    ILogger<ChatCompletionsEndpoint> logger)
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    public async Task HandleAsync(HttpContext context)
    {
        var caller = ApiCallerContext.From(context);
        var requestId = OpenAiErrors.RequestId(context);
        OpenAiErrors.StampHeaders(context);
        var body = await ReadJsonAsync(context, options.Value.MaxJsonBodyBytes);
        var parsed = Parse(body);
        if (registry.Get(parsed.Request.ModelId) is not { } model || model.Manifest.Kind != ModelKind.Chat)
        {
            throw new ModelNotFoundException(parsed.Request.ModelId);
        }
        await guard.EnsureAllowedAsync(caller.UserId, context.RequestAborted);

        var estimate = new UsageEstimate(caller.UserId, caller.KeyId.ToString(), parsed.Request.ModelId, UsageKind.Chat, requestId,
            InputTokens: UsageBounds.MaxPromptTokens(parsed.Request.Messages.Select(m => m.Content)), MaxOutputTokens: parsed.Request.Sampling.MaxTokens);
        await using var reservation = await meter.ReserveAsync(estimate, context.RequestAborted);

        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var completionId = "chatcmpl-" + requestId[4..];
        var started = Stopwatch.GetTimestamp();
        var promptTokens = 0;
        var completionTokens = 0;
        FinishReason? finish = null;
        var text = parsed.Stream ? null : new StringBuilder();
        DeltaChunkWriter? deltas = null;
        var outcome = "completed";
        await using var updates = engine.StreamAsync(parsed.Request with { FairnessKey = caller.UserId }, context.RequestAborted).GetAsyncEnumerator(context.RequestAborted);
        try
        {
            // The first update surfaces validation, busy and load errors before any byte is sent, so they keep their status.
            var hasUpdate = await updates.MoveNextAsync();
            if (parsed.Stream)
            {
                deltas = new DeltaChunkWriter(completionId, created, parsed.Request.ModelId);
                context.Response.ContentType = "text/event-stream";
                context.Response.Headers.CacheControl = "no-cache";
                await WriteChunkAsync(context, completionId, created, parsed.Request.ModelId, "assistant", "", null, null);
            }
            while (hasUpdate)
            {
                var update = updates.Current;
                promptTokens = Math.Max(promptTokens, update.PromptTokens);
                completionTokens = Math.Max(completionTokens, update.CompletionTokens);
                if (update.FinishReason is FinishReason.Error)
                {
                    throw new ApiException(StatusCodes.Status500InternalServerError, "The model failed while generating.", "server_error", null, "engine_error");
                }
                if (update.FinishReason is { } reason)
                {
                    finish = reason;
                }
                var next = updates.MoveNextAsync();
                if (update.TextDelta.Length > 0)
                {
                    if (parsed.Stream)
                    {
                        // Tokens that are already waiting go out in one flush; a token that is not waits for no one.
                        try
                        {
                            await deltas!.WriteAsync(context, update.TextDelta, nextIsWaiting: next.IsCompleted);
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
                        text!.Append(update.TextDelta);
                    }
                }
                hasUpdate = await next;
            }
            if (finish is FinishReason.Cancelled || context.RequestAborted.IsCancellationRequested)
            {
                outcome = "cancelled";
            }
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            outcome = "cancelled";
        }
        catch (Exception ex) when (OpenAiErrors.Map(ex) is not null || ex is ApiException)
        {
            outcome = "failed";
            await SettleAsync(reservation, requestId, caller.UserId, parsed.Request.ModelId, promptTokens, completionTokens, outcome);
            throw;
        }

        // Settling must not depend on the client still listening: a disconnect charges what was produced.
        await SettleAsync(reservation, requestId, caller.UserId, parsed.Request.ModelId, promptTokens, completionTokens, outcome);
        logger.LogInformation("Chat completion {RequestId} on {ModelId}: {Outcome}, {PromptTokens}+{CompletionTokens} tokens in {ElapsedMs} ms",
            requestId, parsed.Request.ModelId, outcome, promptTokens, completionTokens, (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        if (outcome == "cancelled")
        {
            return;
        }

        var finishReason = finish == FinishReason.Length ? "length" : "stop";
        if (parsed.Stream)
        {
            await WriteChunkAsync(context, completionId, created, parsed.Request.ModelId, null, null, finishReason, null);
            if (parsed.IncludeUsage)
            {
                await WriteChunkAsync(context, completionId, created, parsed.Request.ModelId, null, null, null, (promptTokens, completionTokens));
            }
            await context.Response.WriteAsync("data: [DONE]\n\n", CancellationToken.None);
            return;
        }

        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body, WriterOptions);
        json.WriteStartObject();
        json.WriteString("id", completionId);
        json.WriteString("object", "chat.completion");
        json.WriteNumber("created", created);
        json.WriteString("model", parsed.Request.ModelId);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        json.WriteStartObject("message");
        json.WriteString("role", "assistant");
        json.WriteString("content", text!.ToString());
        json.WriteEndObject();
        json.WriteNull("logprobs");
        json.WriteString("finish_reason", finishReason);
        json.WriteEndObject();
        json.WriteEndArray();
        WriteUsage(json, promptTokens, completionTokens);
        json.WriteEndObject();
        await json.FlushAsync(CancellationToken.None);
    }

    private async Task SettleAsync(IUsageReservation reservation, string requestId, string userId, string modelId, int promptTokens, int completionTokens, string outcome)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        reservation.Settle(db, new UsageActual(InputTokens: promptTokens, OutputTokens: completionTokens));
        db.ProcessingRecords.Add(records.Create(requestId, userId, ProcessingPurpose.Chat, modelId, "api", outcome));
        await db.SaveChangesAsync(CancellationToken.None);
    }

    // Writes one SSE event into the response pipe; Response.Body would flush after every write, the pipe only when asked.
    private static async Task WriteChunkAsync(HttpContext context, string id, long created, string model, string? role, string? content, string? finishReason, (int Prompt, int Completion)? usage, bool flush = true)
    {
        var pipe = context.Response.BodyWriter;
        pipe.Write("data: "u8);
        using (var json = new Utf8JsonWriter(pipe, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("object", "chat.completion.chunk");
            json.WriteNumber("created", created);
            json.WriteString("model", model);
            json.WriteStartArray("choices");
            if (usage is null)
            {
                json.WriteStartObject();
                json.WriteNumber("index", 0);
                json.WriteStartObject("delta");
                if (role is not null)
                {
                    json.WriteString("role", role);
                }
                if (content is not null)
                {
                    json.WriteString("content", content);
                }
                json.WriteEndObject();
                json.WriteNull("logprobs");
                if (finishReason is null)
                {
                    json.WriteNull("finish_reason");
                }
                else
                {
                    json.WriteString("finish_reason", finishReason);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            if (usage is { } u)
            {
                WriteUsage(json, u.Prompt, u.Completion);
            }
            json.WriteEndObject();
        }
        pipe.Write("\n\n"u8);
        if (flush)
        {
            await pipe.FlushAsync(context.RequestAborted);
        }
    }

    /// <summary>
    /// The per-token hot path: every content chunk of a completion is the same JSON around a different string, so the
    /// surrounding bytes are built once and only the delta is escaped per token.
    /// </summary>
    private sealed class DeltaChunkWriter
    {
        private readonly byte[] prefix;
        private readonly byte[] suffix = "},\"logprobs\":null,\"finish_reason\":null}]}\n\n"u8.ToArray();
        private readonly Utf8JsonWriter json = new(System.IO.Stream.Null);

        public DeltaChunkWriter(string id, long created, string model)
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            buffer.Write("data: "u8);
            using (var head = new Utf8JsonWriter(buffer))
            {
                head.WriteStartObject();
                head.WriteString("id", id);
                head.WriteString("object", "chat.completion.chunk");
                head.WriteNumber("created", created);
                head.WriteString("model", model);
                head.Flush();
            }
            buffer.Write(",\"choices\":[{\"index\":0,\"delta\":{\"content\":"u8);
            prefix = buffer.WrittenSpan.ToArray();
        }

        private const int MaxUnflushedChunks = 16;
        private static readonly long MaxUnflushedTicks = System.Diagnostics.Stopwatch.Frequency / 50;
        private int unflushed;
        private long lastFlush = System.Diagnostics.Stopwatch.GetTimestamp();

        /// <summary>
        /// Tokens that are already waiting go out together; a token with none behind it is flushed at once, and a
        /// backlog is flushed at least every 16 chunks or 20 ms, so a slow reader still sees a stream.
        /// </summary>
        public async ValueTask WriteAsync(HttpContext context, string delta, bool nextIsWaiting)
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            var flush = !nextIsWaiting || ++unflushed >= MaxUnflushedChunks || now - lastFlush >= MaxUnflushedTicks;
            var pipe = context.Response.BodyWriter;
            pipe.Write(prefix);
            json.Reset(pipe);
            json.WriteStringValue(delta);
            json.Flush();
            pipe.Write(suffix);
            if (flush)
            {
                unflushed = 0;
                lastFlush = now;
                await pipe.FlushAsync(context.RequestAborted);
            }
        }
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

    private static void WriteUsage(Utf8JsonWriter json, int prompt, int completion)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", prompt);
        json.WriteNumber("completion_tokens", completion);
        json.WriteNumber("total_tokens", prompt + completion);
        json.WriteEndObject();
    }


    private sealed record Parsed(ChatRequest Request, bool Stream, bool IncludeUsage);

    private Parsed Parse(JsonElement body)
    {
        var o = options.Value;
        var model = RequiredString(body, "model");
        if (Get(body, "messages") is not { ValueKind: JsonValueKind.Array } array)
        {
            throw Get(body, "messages") is null ? ApiException.Invalid("messages", "'messages' is required.", "missing_required_parameter") : WrongType("messages", "an array");
        }
        var messages = new List<ChatMessage>();
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            var param = $"messages[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw WrongType(param, "an object");
            }
            var role = String(item, "role") switch
            {
                "system" or "developer" => ChatRole.System,
                "user" => ChatRole.User,
                "assistant" => ChatRole.Assistant,
                null => throw ApiException.Invalid(param + ".role", "'role' is required."),
                var other => throw ApiException.Invalid(param + ".role", $"Unsupported role '{other}'."),
            };
            messages.Add(new ChatMessage(role, Content(item, param)));
        }
        if (messages.Count == 0)
        {
            throw ApiException.Invalid("messages", "'messages' must not be empty.");
        }
        if (Integer(body, "n") is { } n && n != 1)
        {
            throw ApiException.Invalid("n", "Only n=1 is supported.");
        }
        var maxTokens = Integer(body, "max_completion_tokens") ?? Integer(body, "max_tokens") ?? o.DefaultMaxTokens;
        if (maxTokens < 1 || maxTokens > o.MaxTokensLimit)
        {
            throw ApiException.Invalid(body.TryGetProperty("max_completion_tokens", out _) ? "max_completion_tokens" : "max_tokens", $"must be between 1 and {o.MaxTokensLimit}.");
        }
        var stop = Get(body, "stop") switch
        {
            null => [],
            { ValueKind: JsonValueKind.String } s => [s.GetString()!],
            { ValueKind: JsonValueKind.Array } a when a.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => a.EnumerateArray().Select(e => e.GetString()!).ToList(),
            _ => throw WrongType("stop", "a string or an array of strings"),
        };
        var seed = Integer(body, "seed");
        if (seed is < 0 or > uint.MaxValue)
        {
            throw ApiException.Invalid("seed", $"must be between 0 and {uint.MaxValue}.");
        }
        var sampling = new SamplingOptions
        {
            Temperature = (float)(Number(body, "temperature") ?? 0.8),
            TopP = (float)(Number(body, "top_p") ?? 0.95),
            FrequencyPenalty = (float)(Number(body, "frequency_penalty") ?? 0),
            PresencePenalty = (float)(Number(body, "presence_penalty") ?? 0),
            Seed = seed is { } s2 ? (uint)s2 : null,
            MaxTokens = (int)maxTokens,
            Stop = stop,
        };
        var stream = Boolean(body, "stream") ?? false;
        var includeUsage = false;
        if (Get(body, "stream_options") is { } streamOptions)
        {
            if (streamOptions.ValueKind != JsonValueKind.Object)
            {
                throw WrongType("stream_options", "an object");
            }
            includeUsage = Boolean(streamOptions, "include_usage") ?? false;
        }
        return new Parsed(new ChatRequest(model, messages, sampling), stream, includeUsage);
    }

    // Content is a string, or an array of text parts (images are not supported by the chat models here).
    private static string Content(JsonElement message, string param)
    {
        switch (Get(message, "content"))
        {
            case null:
                return "";
            case { ValueKind: JsonValueKind.String } s:
                return s.GetString()!;
            case { ValueKind: JsonValueKind.Array } parts:
                var text = new StringBuilder();
                foreach (var part in parts.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Object || String(part, "type") != "text")
                    {
                        throw ApiException.Invalid(param + ".content", "Only text content parts are supported.");
                    }
                    text.Append(String(part, "text"));
                }
                return text.ToString();
            default:
                throw WrongType(param + ".content", "a string or an array of content parts");
        }
    }
}
