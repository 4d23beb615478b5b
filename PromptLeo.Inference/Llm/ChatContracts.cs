using System.Text.Json;

namespace PromptLeo.Inference.Llm;

/// <summary>Who said a chat turn.</summary>
public enum ChatRole
{
    System,
    User,
    Assistant,
    /// <summary>The result of a tool call (<see cref="ChatMessage.ToolCallId"/> names the call).</summary>
    Tool,
}

/// <summary>One turn of a conversation.</summary>
public sealed record ChatMessage(ChatRole Role, string Content)
{
    /// <summary>Tool calls an assistant turn made (follow-up requests send them back).</summary>
    public IReadOnlyList<ToolCall> ToolCalls { get; init; } = [];

    /// <summary>For <see cref="ChatRole.Tool"/>: the id of the call this is the result of.</summary>
    public string? ToolCallId { get; init; }
}

/// <summary>A function the model may call; <paramref name="Parameters"/> is its JSON schema (null: no parameters).</summary>
public sealed record ToolDefinition(string Name, string? Description, JsonElement? Parameters);

/// <summary>A call of a function: <paramref name="Arguments"/> is the JSON text of its arguments object.</summary>
public sealed record ToolCall(string Id, string Name, string Arguments);

/// <summary>Whether and which tool the model must call.</summary>
public enum ToolChoiceMode
{
    /// <summary>The model decides between answering and calling.</summary>
    Auto,
    /// <summary>The model answers in text; the tools are not shown to it.</summary>
    None,
    /// <summary>The model must call one of the tools (enforced with a grammar).</summary>
    Required,
    /// <summary>The model must call <see cref="ToolChoice.FunctionName"/> (enforced with a grammar).</summary>
    Function,
}

/// <summary>The request's tool choice.</summary>
public sealed record ToolChoice(ToolChoiceMode Mode, string? FunctionName = null)
{
    public static ToolChoice Auto { get; } = new(ToolChoiceMode.Auto);
}

/// <summary>The shape the answer must have: free text, any JSON object (JSON mode), or JSON valid against a schema.</summary>
public enum ResponseFormatKind { Text, JsonObject, JsonSchema }

/// <summary>Constrains the answer with a grammar built from the format.</summary>
public sealed record ResponseFormat(ResponseFormatKind Kind, JsonElement? Schema = null)
{
    public static ResponseFormat Text { get; } = new(ResponseFormatKind.Text);
}

/// <summary>Why a completion ended.</summary>
public enum FinishReason
{
    /// <summary>End-of-generation token or a stop sequence.</summary>
    Stop,
    /// <summary>The max_tokens limit or the context was reached.</summary>
    Length,
    /// <summary>The caller cancelled (for example, a closed browser tab).</summary>
    Cancelled,
    /// <summary>The engine failed for this request; see <see cref="ChatUpdate.Error"/>.</summary>
    Error,
}

/// <summary>Sampling parameters. Defaults match common llama.cpp defaults.</summary>
public sealed record SamplingOptions
{
    public float Temperature { get; init; } = 0.8f;
    public float TopP { get; init; } = 0.95f;
    public int TopK { get; init; } = 40;
    public float MinP { get; init; } = 0.05f;
    public float RepeatPenalty { get; init; } = 1.0f;
    public float FrequencyPenalty { get; init; }
    public float PresencePenalty { get; init; }
    public uint? Seed { get; init; }
    public int MaxTokens { get; init; } = 512;
    public IReadOnlyList<string> Stop { get; init; } = [];
    /// <summary>A llama.cpp GBNF grammar (root rule <c>root</c>) every sampled token must fit; null = unconstrained.</summary>
    public string? Grammar { get; init; }
    /// <summary>Report each sampled token's log probability (<see cref="ChatUpdate.LogProbs"/>); off costs nothing.</summary>
    public bool LogProbs { get; init; }
    /// <summary>With <see cref="LogProbs"/>: how many most likely alternatives to report per token (0 to 20).</summary>
    public int TopLogProbs { get; init; }
}

/// <summary>A token and its natural-log probability under the model's own distribution; <paramref name="Bytes"/> are its UTF-8 bytes (a token may hold part of a character).</summary>
public sealed record TokenAlternative(string Token, float LogProb, byte[] Bytes);

/// <summary>A sampled token's log probability, with the most likely tokens at its position (most likely first).</summary>
public sealed record TokenLogProb(string Token, float LogProb, byte[] Bytes, IReadOnlyList<TokenAlternative> TopLogProbs);

/// <summary>A chat completion request for one installed chat model.</summary>
/// <param name="ModelId">Registry id of the model.</param>
/// <param name="Messages">System, user and assistant turns, oldest first.</param>
/// <param name="Sampling">Sampling parameters.</param>
/// <param name="FairnessKey">Opaque key (for example a pseudonymous user id) used for fair queueing; never logged.</param>
/// <param name="CacheScope">
/// Opaque scope of the prompt cache: the KV cache of a finished request is kept for later requests of the same scope or
/// of a scope below it (<c>"a/b"</c> is below <c>"a"</c>, see <see cref="IPromptCache.DropScope"/>) and never matched
/// for any other. Null = nothing is kept and nothing is reused.
/// </param>
public sealed record ChatRequest(
    string ModelId,
    IReadOnlyList<ChatMessage> Messages,
    SamplingOptions Sampling,
    string? FairnessKey = null,
    string? CacheScope = null)
{
    /// <summary>
    /// False turns a thinking model's reasoning off, as Qwen3's <c>enable_thinking=false</c> does: the prompt ends with
    /// an empty <c>&lt;think&gt;&lt;/think&gt;</c> block. No effect on models without think tokens.
    /// </summary>
    public bool Thinking { get; init; } = true;

    /// <summary>Functions the model may call, rendered in the model family's own tool format.</summary>
    public IReadOnlyList<ToolDefinition> Tools { get; init; } = [];

    public ToolChoice ToolChoice { get; init; } = ToolChoice.Auto;

    /// <summary>JSON mode or a JSON schema the answer must match (enforced with a grammar).</summary>
    public ResponseFormat ResponseFormat { get; init; } = ResponseFormat.Text;
}

/// <summary>
/// One streamed update. Text updates carry a delta; the last update carries <see cref="FinishReason"/>.
/// Token counts are cumulative and exact (counted by the model's tokenizer).
/// </summary>
public sealed record ChatUpdate
{
    public string TextDelta { get; init; } = "";
    /// <summary>
    /// Reasoning of a thinking model (the text of its leading <c>&lt;think&gt;…&lt;/think&gt;</c> block, tags left
    /// out); never part of <see cref="TextDelta"/>.
    /// </summary>
    public string ReasoningDelta { get; init; } = "";
    public int PromptTokens { get; init; }
    /// <summary>Prompt tokens whose KV cache was reused from an earlier request of the same scope (not evaluated again).</summary>
    public int CachedPromptTokens { get; init; }
    public int CompletionTokens { get; init; }
    /// <summary>Of <see cref="CompletionTokens"/>, those spent in the think block (its tags included); cumulative.</summary>
    public int ReasoningTokens { get; init; }
    public FinishReason? FinishReason { get; init; }
    /// <summary>Set when the request waits in the queue: 1-based position.</summary>
    public int? QueuePosition { get; init; }
    /// <summary>Set when the oldest turns were dropped to fit the context.</summary>
    public int DroppedTurns { get; init; }
    /// <summary>Error text for <see cref="Llm.FinishReason.Error"/>; never contains prompt text.</summary>
    public string? Error { get; init; }
    /// <summary>
    /// On the last update of a request with tools: the calls parsed from the answer. The answer's text is then held
    /// back while it is generated and sent as one <see cref="TextDelta"/> (what is left outside the calls) at the end.
    /// </summary>
    public IReadOnlyList<ToolCall> ToolCalls { get; init; } = [];
    /// <summary>
    /// With <see cref="SamplingOptions.LogProbs"/>: the answer tokens sampled since the last update, in order (reasoning
    /// tokens of a thinking model are left out). Their text is in this update's <see cref="TextDelta"/> or held back for a later one.
    /// </summary>
    public IReadOnlyList<TokenLogProb> LogProbs { get; init; } = [];
}

/// <summary>Streams chat completions from in-process GGUF models.</summary>
public interface IChatEngine
{
    /// <summary>
    /// Streams the completion. Cancelling <paramref name="cancellationToken"/> stops decoding within one step and
    /// ends the stream with <see cref="FinishReason.Cancelled"/>.
    /// </summary>
    IAsyncEnumerable<ChatUpdate> StreamAsync(ChatRequest request, CancellationToken cancellationToken = default);
}

/// <summary>
/// The prompt caches of all loaded chat models: finished conversations kept in the KV cache, matched only within their
/// cache scope (<see cref="ChatRequest.CacheScope"/>).
/// </summary>
public interface IPromptCache
{
    /// <summary>
    /// Drops what is cached for <paramref name="scope"/> and every scope below it (<c>scope + "/..."</c>) on every loaded
    /// model; requests of those scopes still running will not be kept. The entries stop matching at once; their KV
    /// cells are freed by each model's loop within one decode step.
    /// </summary>
    void DropScope(string scope);

    /// <summary>KV-cache bytes held by kept conversations, all models together.</summary>
    long BytesHeld { get; }

    /// <summary>Kept conversations, all models together.</summary>
    int EntryCount { get; }
}
