using System.Text.Json;
using PromptLeo.Inference.Llm;

namespace PromptLeo.Web.Features.RemoteInference;

/// <summary>The OpenAI <c>/chat/completions</c> body for a remote endpoint: always streamed, always asking for usage.</summary>
internal static class RemoteChatRequestBody
{
    public static byte[] Write(ChatRequest request)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            var sampling = request.Sampling;
            json.WriteStartObject();
            json.WriteString("model", request.ModelId);
            json.WriteBoolean("stream", true);
            json.WriteStartObject("stream_options");
            json.WriteBoolean("include_usage", true);
            json.WriteEndObject();
            json.WriteStartArray("messages");
            foreach (var message in request.Messages)
            {
                WriteMessage(json, message);
            }
            json.WriteEndArray();
            json.WriteNumber("max_tokens", sampling.MaxTokens);
            json.WriteNumber("temperature", sampling.Temperature);
            json.WriteNumber("top_p", sampling.TopP);
            json.WriteNumber("frequency_penalty", sampling.FrequencyPenalty);
            json.WriteNumber("presence_penalty", sampling.PresencePenalty);
            if (sampling.Seed is { } seed)
            {
                json.WriteNumber("seed", seed);
            }
            if (sampling.Stop.Count > 0)
            {
                json.WriteStartArray("stop");
                sampling.Stop.ToList().ForEach(json.WriteStringValue);
                json.WriteEndArray();
            }
            if (!request.Thinking)
            {
                json.WriteStartObject("chat_template_kwargs");
                json.WriteBoolean("enable_thinking", false);
                json.WriteEndObject();
            }
            WriteTools(json, request);
            WriteResponseFormat(json, request.ResponseFormat);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteMessage(Utf8JsonWriter json, ChatMessage message)
    {
        json.WriteStartObject();
        json.WriteString("role", message.Role switch
        {
            ChatRole.System => "system",
            ChatRole.Assistant => "assistant",
            ChatRole.Tool => "tool",
            _ => "user",
        });
        json.WriteString("content", message.Content);
        if (message.ToolCalls.Count > 0)
        {
            json.WritePropertyName("tool_calls");
            JsonSerializer.Serialize(json, message.ToolCalls.Select(c => new { id = c.Id, type = "function", function = new { name = c.Name, arguments = c.Arguments } }));
        }
        if (message.ToolCallId is { } id)
        {
            json.WriteString("tool_call_id", id);
        }
        json.WriteEndObject();
    }

    private static void WriteTools(Utf8JsonWriter json, ChatRequest request)
    {
        if (request.Tools.Count == 0)
        {
            return;
        }
        json.WriteStartArray("tools");
        foreach (var tool in request.Tools)
        {
            json.WriteStartObject();
            json.WriteString("type", "function");
            json.WriteStartObject("function");
            json.WriteString("name", tool.Name);
            if (tool.Description is { } description)
            {
                json.WriteString("description", description);
            }
            if (tool.Parameters is { } parameters)
            {
                json.WritePropertyName("parameters");
                parameters.WriteTo(json);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        switch (request.ToolChoice.Mode)
        {
            case ToolChoiceMode.Function:
                json.WriteStartObject("tool_choice");
                json.WriteString("type", "function");
                json.WriteStartObject("function");
                json.WriteString("name", request.ToolChoice.FunctionName);
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            default:
                json.WriteString("tool_choice", request.ToolChoice.Mode.ToString().ToLowerInvariant());
                break;
        }
    }

    private static void WriteResponseFormat(Utf8JsonWriter json, ResponseFormat format)
    {
        if (format.Kind == ResponseFormatKind.Text)
        {
            return;
        }
        json.WriteStartObject("response_format");
        if (format.Kind == ResponseFormatKind.JsonObject || format.Schema is not { } schema)
        {
            json.WriteString("type", "json_object");
        }
        else
        {
            json.WriteString("type", "json_schema");
            json.WriteStartObject("json_schema");
            json.WriteString("name", "response");
            json.WritePropertyName("schema");
            schema.WriteTo(json);
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }
}
