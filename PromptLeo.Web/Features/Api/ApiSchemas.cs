using System.ComponentModel;
using System.Text.Json.Serialization;

namespace PromptLeo.Web.Features.Api;

// Request and response shapes for the OpenAPI document only: the endpoints read the JSON themselves so that a wrong
// field gets OpenAI's exact error object. Field names and meanings follow OpenAI's API; "PromptLeo extension" marks
// the additions.

/// <summary>One chat message.</summary>
public sealed record ChatMessageSchema(
    [property: JsonPropertyName("role"), Description("system, developer, user, assistant or tool.")] string Role,
    [property: JsonPropertyName("content")] string? Content,
    [property: JsonPropertyName("reasoning_content"), Description("In answers only, with include_reasoning: a thinking model's reasoning (vLLM/DeepSeek field).")] string? ReasoningContent = null,
    [property: JsonPropertyName("tool_calls"), Description("Assistant turns: the calls the model made (answers with finish_reason tool_calls; follow-ups send them back).")] IReadOnlyList<ToolCallSchema>? ToolCalls = null,
    [property: JsonPropertyName("tool_call_id"), Description("Tool turns: the id of the call this is the result of.")] string? ToolCallId = null);

/// <summary>A function call.</summary>
public sealed record ToolCallSchema(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("function")] FunctionCallSchema Function);

/// <summary>The function and its arguments (JSON text).</summary>
public sealed record FunctionCallSchema(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("arguments")] string Arguments);

/// <summary>A tool: only type function.</summary>
public sealed record ToolSchema(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("function")] FunctionSchema Function);

/// <summary>A function the model may call.</summary>
public sealed record FunctionSchema(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("parameters"), Description("JSON schema of the arguments; with tool_choice required or a named function it is enforced (strict subset, see docs/api.md).")] System.Text.Json.JsonElement? Parameters,
    [property: JsonPropertyName("strict")] bool? Strict);

/// <summary>text, json_object or json_schema.</summary>
public sealed record ResponseFormatSchema(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("json_schema")] JsonSchemaFormatSchema? JsonSchema);

/// <summary>The schema the answer must validate against (enforced with a grammar).</summary>
public sealed record JsonSchemaFormatSchema(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("schema")] System.Text.Json.JsonElement? Schema,
    [property: JsonPropertyName("strict")] bool? Strict);

/// <summary>Template switches (vLLM's field); only <c>enable_thinking</c> is read.</summary>
public sealed record ChatTemplateKwargsSchema(
    [property: JsonPropertyName("enable_thinking"), Description("false turns a thinking model's reasoning off (Qwen3's enable_thinking).")] bool? EnableThinking);

/// <summary>Streaming options.</summary>
public sealed record StreamOptionsSchema([property: JsonPropertyName("include_usage")] bool? IncludeUsage);

/// <summary>Body of <c>POST /v1/chat/completions</c>.</summary>
public sealed record ChatCompletionRequestSchema(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("messages")] IReadOnlyList<ChatMessageSchema> Messages,
    [property: JsonPropertyName("temperature")] double? Temperature,
    [property: JsonPropertyName("top_p")] double? TopP,
    [property: JsonPropertyName("max_tokens")] int? MaxTokens,
    [property: JsonPropertyName("max_completion_tokens")] int? MaxCompletionTokens,
    [property: JsonPropertyName("stop")] IReadOnlyList<string>? Stop,
    [property: JsonPropertyName("seed")] long? Seed,
    [property: JsonPropertyName("n")] int? N,
    [property: JsonPropertyName("stream")] bool? Stream,
    [property: JsonPropertyName("stream_options")] StreamOptionsSchema? StreamOptions,
    [property: JsonPropertyName("include_reasoning"), Description("PromptLeo extension (OpenRouter's field): return a thinking model's reasoning as reasoning_content.")] bool? IncludeReasoning,
    [property: JsonPropertyName("chat_template_kwargs")] ChatTemplateKwargsSchema? ChatTemplateKwargs,
    [property: JsonPropertyName("response_format")] ResponseFormatSchema? ResponseFormat,
    [property: JsonPropertyName("tools"), Description("Needs a model of a family with a tool-call format (Llama 3.1+, Qwen2.5/3, Mistral v3).")] IReadOnlyList<ToolSchema>? Tools,
    [property: JsonPropertyName("tool_choice"), Description("auto, none, required, or {\"type\": \"function\", \"function\": {\"name\": ...}}.")] System.Text.Json.JsonElement? ToolChoice,
    [property: JsonPropertyName("logprobs"), Description("Return each answer token's log probability under the model's own distribution (before temperature, penalties, top-p and grammar).")] bool? LogProbs = null,
    [property: JsonPropertyName("top_logprobs"), Description("0 to 20 most likely alternatives per token; requires logprobs: true.")] int? TopLogProbs = null,
    [property: JsonPropertyName("collections"), Description("PromptLeo extension: ids of the caller's knowledge collections to search for the last user message; the answer carries 'citations'. Needs the key's 'knowledge' scope.")] IReadOnlyList<Guid>? Collections = null);

/// <summary>Body of <c>POST /v1/images/generations</c>.</summary>
public sealed record ImageGenerationRequestSchema(
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("model")] string? Model,
    [property: JsonPropertyName("n")] int? N,
    [property: JsonPropertyName("size")] string? Size,
    [property: JsonPropertyName("response_format")] string? ResponseFormat,
    [property: JsonPropertyName("negative_prompt")] string? NegativePrompt,
    [property: JsonPropertyName("steps")] int? Steps,
    [property: JsonPropertyName("guidance_scale")] double? GuidanceScale,
    [property: JsonPropertyName("seed")] long? Seed,
    [property: JsonPropertyName("scheduler")] string? Scheduler);

/// <summary>One generated image.</summary>
public sealed record ImageDataSchema([property: JsonPropertyName("b64_json")] string B64Json);

/// <summary>Answer of the image endpoints.</summary>
public sealed record ImagesResponseSchema(
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("data")] IReadOnlyList<ImageDataSchema> Data);

/// <summary>Body of <c>POST /v1/embeddings</c>.</summary>
public sealed record EmbeddingRequestSchema(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("input"), Description("A string or an array of strings (token arrays are refused).")] System.Text.Json.JsonElement Input,
    [property: JsonPropertyName("encoding_format"), Description("float (default) or base64 (little-endian float32).")] string? EncodingFormat,
    [property: JsonPropertyName("dimensions"), Description("Fewer dimensions; only for Matryoshka-trained models.")] int? Dimensions,
    [property: JsonPropertyName("user")] string? User);

/// <summary>One vector: a float array, or a base64 string with encoding_format=base64.</summary>
public sealed record EmbeddingDataSchema(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("embedding")] System.Text.Json.JsonElement Embedding);

/// <summary>Token counts of an embeddings request.</summary>
public sealed record EmbeddingUsageSchema(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("total_tokens")] int TotalTokens);

/// <summary>Answer of <c>POST /v1/embeddings</c>.</summary>
public sealed record EmbeddingResponseSchema(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<EmbeddingDataSchema> Data,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("usage")] EmbeddingUsageSchema Usage);

/// <summary>OpenAI's error object.</summary>
public sealed record ErrorDetailSchema(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);

/// <summary>Every error answer: <c>{"error":{...}}</c>.</summary>
public sealed record ErrorResponseSchema([property: JsonPropertyName("error")] ErrorDetailSchema Error);

/// <summary>Breakdown of the output tokens.</summary>
public sealed record CompletionTokensDetailsSchema(
    [property: JsonPropertyName("reasoning_tokens"), Description("Tokens of the think block; included in completion_tokens and billed as output.")] int ReasoningTokens);

/// <summary>Token counts of a completion.</summary>
public sealed record UsageSchema(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("completion_tokens")] int CompletionTokens,
    [property: JsonPropertyName("total_tokens")] int TotalTokens,
    [property: JsonPropertyName("completion_tokens_details")] CompletionTokensDetailsSchema CompletionTokensDetails);

/// <summary>One choice of a completion (non-streaming: <c>message</c>; streaming chunks carry <c>delta</c> instead).</summary>
public sealed record ChatChoiceSchema(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("message")] ChatMessageSchema? Message,
    [property: JsonPropertyName("delta")] ChatMessageSchema? Delta,
    [property: JsonPropertyName("finish_reason")] string? FinishReason,
    [property: JsonPropertyName("logprobs"), Description("Null unless logprobs was true; in a stream, each chunk's entries are the tokens of its delta.")] ChoiceLogProbsSchema? LogProbs = null);

/// <summary>A token with its natural-log probability and UTF-8 bytes (a token may hold part of a character).</summary>
public sealed record TopLogProbSchema(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("logprob")] double LogProb,
    [property: JsonPropertyName("bytes")] IReadOnlyList<int> Bytes);

/// <summary>One answer token's log probability and the most likely tokens at its position, most likely first.</summary>
public sealed record TokenLogProbSchema(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("logprob")] double LogProb,
    [property: JsonPropertyName("bytes")] IReadOnlyList<int> Bytes,
    [property: JsonPropertyName("top_logprobs")] IReadOnlyList<TopLogProbSchema> TopLogProbs);

/// <summary>A choice's log probabilities: one entry per answer token (reasoning tokens are not included).</summary>
public sealed record ChoiceLogProbsSchema(
    [property: JsonPropertyName("content")] IReadOnlyList<TokenLogProbSchema> Content,
    [property: JsonPropertyName("refusal")] IReadOnlyList<TokenLogProbSchema>? Refusal);

/// <summary>A chat completion, or one <c>chat.completion.chunk</c> event of a stream.</summary>
public sealed record ChatCompletionResponseSchema(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatChoiceSchema> Choices,
    [property: JsonPropertyName("usage")] UsageSchema? Usage,
    [property: JsonPropertyName("citations"), Description("PromptLeo extension, with 'collections' only: the numbered passages the model was given ([n] in the answer).")] IReadOnlyList<CitationSchema>? Citations = null);

public sealed record CitationSchema(
    [property: JsonPropertyName("number")] int Number,
    [property: JsonPropertyName("chunk_id")] Guid ChunkId,
    [property: JsonPropertyName("filename")] string FileName,
    [property: JsonPropertyName("page")] int? Page,
    [property: JsonPropertyName("heading")] string? Heading);
