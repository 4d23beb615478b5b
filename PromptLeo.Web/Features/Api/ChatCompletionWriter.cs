using System.Buffers;
using System.Text.Json;
using PromptLeo.Inference.Llm;

namespace PromptLeo.Web.Features.Api;

/// <summary>Writes chat completions as OpenAI's JSON: the server-sent event chunks of a stream and the usage object.</summary>
public static class ChatCompletionWriter
{
    internal static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    // Writes one SSE event into the response pipe; Response.Body would flush after every write, the pipe only when asked.
    public static async Task WriteChunkAsync(HttpContext context, string id, long created, string model, string? role, string? content, string? finishReason, (int Prompt, int Completion, int Reasoning)? usage, bool flush = true, IReadOnlyList<TokenLogProb>? logProbs = null)
    {
        var pipe = context.Response.BodyWriter;
        pipe.Write("data: "u8);
        using (var json = new Utf8JsonWriter(pipe, WriterOptions))
        {
            WriteChunkHead(json, id, created, model);
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
                WriteLogProbs(json, logProbs);
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
                WriteUsage(json, u.Prompt, u.Completion, u.Reasoning);
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
    /// surrounding bytes are built once and only the delta is escaped per token. <paramref name="field"/> is the delta's
    /// field: <c>content</c>, or <c>reasoning_content</c> for a thinking model's reasoning.
    /// </summary>
    public sealed class DeltaChunkWriter
    {
        private readonly byte[] prefix;
        private readonly byte[] suffix = "},\"logprobs\":null,\"finish_reason\":null}]}\n\n"u8.ToArray();
        private readonly Utf8JsonWriter json = new(System.IO.Stream.Null);

        public DeltaChunkWriter(string id, long created, string model, string field = "content")
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            buffer.Write("data: "u8);
            using (var head = new Utf8JsonWriter(buffer))
            {
                WriteChunkHead(head, id, created, model);
                head.Flush();
            }
            buffer.Write(",\"choices\":[{\"index\":0,\"delta\":{\""u8);
            buffer.Write(System.Text.Encoding.UTF8.GetBytes(field));
            buffer.Write("\":"u8);
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

    // Opens a chunk object with the fields every chunk of a completion repeats.
    private static void WriteChunkHead(Utf8JsonWriter json, string id, long created, string model)
    {
        json.WriteStartObject();
        json.WriteString("id", id);
        json.WriteString("object", "chat.completion.chunk");
        json.WriteNumber("created", created);
        json.WriteString("model", model);
    }

    /// <summary>The <c>tool_calls</c> array of a non-streamed message.</summary>
    public static void WriteToolCalls(Utf8JsonWriter json, IReadOnlyList<PromptLeo.Inference.Llm.ToolCall> calls)
    {
        json.WriteStartArray("tool_calls");
        foreach (var call in calls)
        {
            json.WriteStartObject();
            json.WriteString("id", call.Id);
            json.WriteString("type", "function");
            json.WriteStartObject("function");
            json.WriteString("name", call.Name);
            json.WriteString("arguments", call.Arguments);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>
    /// Streams tool calls in OpenAI's delta format: per call a chunk with its index, id, type and name (arguments ""),
    /// then chunks with pieces of the arguments text, which clients concatenate.
    /// </summary>
    public static async Task WriteToolCallChunksAsync(HttpContext context, string id, long created, string model, IReadOnlyList<PromptLeo.Inference.Llm.ToolCall> calls)
    {
        const int PieceLength = 32;
        for (var index = 0; index < calls.Count; index++)
        {
            var call = calls[index];
            await WriteToolCallDeltaAsync(context, id, created, model, index, call, "");
            for (var at = 0; at < call.Arguments.Length; at += PieceLength)
            {
                await WriteToolCallDeltaAsync(context, id, created, model, index, null, call.Arguments.Substring(at, Math.Min(PieceLength, call.Arguments.Length - at)));
            }
        }
    }

    private static async Task WriteToolCallDeltaAsync(HttpContext context, string id, long created, string model, int index, PromptLeo.Inference.Llm.ToolCall? head, string arguments)
    {
        var pipe = context.Response.BodyWriter;
        pipe.Write("data: "u8);
        using (var json = new Utf8JsonWriter(pipe, WriterOptions))
        {
            WriteChunkHead(json, id, created, model);
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteStartObject("delta");
            json.WriteStartArray("tool_calls");
            json.WriteStartObject();
            json.WriteNumber("index", index);
            if (head is not null)
            {
                json.WriteString("id", head.Id);
                json.WriteString("type", "function");
            }
            json.WriteStartObject("function");
            if (head is not null)
            {
                json.WriteString("name", head.Name);
            }
            json.WriteString("arguments", arguments);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteNull("logprobs");
            json.WriteNull("finish_reason");
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        pipe.Write("\n\n"u8);
        await pipe.FlushAsync(context.RequestAborted);
    }

    /// <summary>
    /// A choice's <c>logprobs</c>: null when not asked for, else <c>{"content": [{token, logprob, bytes, top_logprobs}], "refusal": null}</c>.
    /// </summary>
    public static void WriteLogProbs(Utf8JsonWriter json, IReadOnlyList<TokenLogProb>? logProbs)
    {
        if (logProbs is null)
        {
            json.WriteNull("logprobs");
            return;
        }
        json.WriteStartObject("logprobs");
        json.WriteStartArray("content");
        foreach (var entry in logProbs)
        {
            json.WriteStartObject();
            WriteTokenFields(json, entry.Token, entry.LogProb, entry.Bytes);
            json.WriteStartArray("top_logprobs");
            foreach (var alternative in entry.TopLogProbs)
            {
                json.WriteStartObject();
                WriteTokenFields(json, alternative.Token, alternative.LogProb, alternative.Bytes);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteNull("refusal");
        json.WriteEndObject();
    }

    private static void WriteTokenFields(Utf8JsonWriter json, string token, float logProb, byte[] bytes)
    {
        json.WriteString("token", token);
        json.WriteNumber("logprob", logProb);
        json.WriteStartArray("bytes");
        foreach (var b in bytes)
        {
            json.WriteNumberValue(b);
        }
        json.WriteEndArray();
    }

    /// <summary>OpenAI's usage object; <paramref name="reasoning"/> tokens are part of <paramref name="completion"/> (billed as output).</summary>
    public static void WriteUsage(Utf8JsonWriter json, int prompt, int completion, int reasoning)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", prompt);
        json.WriteNumber("completion_tokens", completion);
        json.WriteNumber("total_tokens", prompt + completion);
        json.WriteStartObject("completion_tokens_details");
        json.WriteNumber("reasoning_tokens", reasoning);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
