using System.Text;
using System.Text.Json;
using PromptLeo.Inference.Llm;
using static PromptLeo.Web.Features.Api.ApiRequestBody;

namespace PromptLeo.Web.Features.Api;

/// <summary>A parsed /v1/chat/completions body.</summary>
/// <param name="IncludeReasoning">Return a thinking model's reasoning as <c>reasoning_content</c> (<c>include_reasoning</c>).</param>
/// <param name="ParallelToolCalls">False keeps only the first tool call of an answer (<c>parallel_tool_calls</c>).</param>
public sealed record ParsedChatCompletion(ChatRequest Request, bool Stream, bool IncludeUsage, bool IncludeReasoning = false, bool ParallelToolCalls = true);

/// <summary>Parses the /v1/chat/completions body by hand, so every client mistake is a 400 naming its parameter.</summary>
public static class ChatCompletionsParser
{
    public static ParsedChatCompletion Parse(JsonElement body, ApiOptions o)
    {
        var model = RequiredString(body, "model");
        ChatToolsParser.RefuseUnsupported(body);
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
                "tool" => ChatRole.Tool,
                null => throw ApiException.Invalid(param + ".role", "'role' is required."),
                var other => throw ApiException.Invalid(param + ".role", $"Unsupported role '{other}'."),
            };
            messages.Add(new ChatMessage(role, Content(item, param))
            {
                ToolCalls = role == ChatRole.Assistant ? ChatToolsParser.Calls(item, param) : [],
                ToolCallId = role == ChatRole.Tool ? ChatToolsParser.ToolCallId(item, param) : null,
            });
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
            LogProbs = Boolean(body, "logprobs") ?? false,
            TopLogProbs = TopLogProbs(body),
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
        var includeReasoning = Boolean(body, "include_reasoning") ?? false;
        var tools = ChatToolsParser.Tools(body);
        var request = new ChatRequest(model, messages, sampling)
        {
            Thinking = EnableThinking(body),
            Tools = tools,
            ToolChoice = ChatToolsParser.Choice(body, tools.Count > 0),
            ResponseFormat = ChatToolsParser.Format(body),
        };
        return new ParsedChatCompletion(request, stream, includeUsage, includeReasoning, Boolean(body, "parallel_tool_calls") ?? true);
    }

    // As OpenAI: 0 to 20 alternatives per token, and only together with logprobs: true.
    private static int TopLogProbs(JsonElement body)
    {
        if (Integer(body, "top_logprobs") is not { } count)
        {
            return 0;
        }
        if (count is < 0 or > 20)
        {
            throw ApiException.Invalid("top_logprobs", "'top_logprobs' must be between 0 and 20.");
        }
        if (count > 0 && Boolean(body, "logprobs") != true)
        {
            throw ApiException.Invalid("top_logprobs", "'top_logprobs' requires 'logprobs' to be true.");
        }
        return (int)count;
    }

    // vLLM's switch for Qwen3-style templates: chat_template_kwargs.enable_thinking=false turns the reasoning off.
    private static bool EnableThinking(JsonElement body)
    {
        if (Get(body, "chat_template_kwargs") is not { } kwargs)
        {
            return true;
        }
        if (kwargs.ValueKind != JsonValueKind.Object)
        {
            throw WrongType("chat_template_kwargs", "an object");
        }
        return Get(kwargs, "enable_thinking") switch
        {
            null => true,
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            _ => throw WrongType("chat_template_kwargs.enable_thinking", "a boolean"),
        };
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
