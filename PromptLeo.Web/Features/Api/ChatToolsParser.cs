using System.Text.Json;
using System.Text.RegularExpressions;
using PromptLeo.Inference.Llm;
using static PromptLeo.Web.Features.Api.ApiRequestBody;

namespace PromptLeo.Web.Features.Api;

/// <summary>
/// The tool-call and structured-output parts of a /v1/chat/completions body (<c>tools</c>, <c>tool_choice</c>,
/// <c>response_format</c>, tool turns in <c>messages</c>), and the fields PromptLeo refuses rather than ignores.
/// </summary>
public static partial class ChatToolsParser
{
    /// <summary>
    /// OpenAI fields that change the answer and that no model here supports: a request with one of them set (other than
    /// its neutral value) is a 400 naming it, never a silent 200.
    /// </summary>
    public static readonly IReadOnlyList<string> RefusedFields =
        ["logit_bias", "functions", "function_call", "audio", "modalities", "prediction", "web_search_options"];

    public static void RefuseUnsupported(JsonElement body)
    {
        foreach (var field in RefusedFields)
        {
            if (Get(body, field) is not { } value || IsNeutral(field, value))
            {
                continue;
            }
            var reason = field switch
            {
                "functions" or "function_call" => "The deprecated functions API is not supported; use 'tools' and 'tool_choice'.",
                "logit_bias" => "Logit bias is not supported.",
                _ => "Only text output is supported.",
            };
            throw ApiException.Invalid(field, $"'{field}' is not supported: {reason}", "unsupported_parameter");
        }
    }

    // The values clients send by default mean "off" and change nothing.
    private static bool IsNeutral(string field, JsonElement value) => field switch
    {
        "logit_bias" => value.ValueKind == JsonValueKind.Object && !value.EnumerateObject().Any(),
        "modalities" => value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(m => m.ValueKind == JsonValueKind.String && m.GetString() == "text"),
        _ => false,
    };

    public static IReadOnlyList<ToolDefinition> Tools(JsonElement body)
    {
        if (Get(body, "tools") is not { } tools)
        {
            return [];
        }
        if (tools.ValueKind != JsonValueKind.Array)
        {
            throw WrongType("tools", "an array");
        }
        var definitions = new List<ToolDefinition>();
        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var param = $"tools[{index++}]";
            if (tool.ValueKind != JsonValueKind.Object)
            {
                throw WrongType(param, "an object");
            }
            if (Field(tool, "type", param) is var type && type != "function")
            {
                throw ApiException.Invalid(param + ".type", $"Tool type '{type}' is not supported; only 'function' tools are.");
            }
            if (Get(tool, "function") is not { ValueKind: JsonValueKind.Object } function)
            {
                throw ApiException.Invalid(param + ".function", "'function' (an object) is required.", "missing_required_parameter");
            }
            var name = Field(function, "name", param + ".function");
            if (!FunctionName().IsMatch(name))
            {
                throw ApiException.Invalid(param + ".function.name", "A function name is 1 to 64 letters, digits, underscores or dashes.");
            }
            if (definitions.Any(d => d.Name == name))
            {
                throw ApiException.Invalid(param + ".function.name", $"The function name '{name}' is used twice.");
            }
            var description = Get(function, "description") switch
            {
                null => null,
                { ValueKind: JsonValueKind.String } d => d.GetString(),
                _ => throw WrongType(param + ".function.description", "a string"),
            };
            var parameters = Get(function, "parameters") switch
            {
                null => (JsonElement?)null,
                { ValueKind: JsonValueKind.Object } p => p.Clone(),
                _ => throw WrongType(param + ".function.parameters", "a JSON schema object"),
            };
            definitions.Add(new ToolDefinition(name, description, parameters));
        }
        return definitions;
    }

    public static ToolChoice Choice(JsonElement body, bool hasTools)
    {
        switch (Get(body, "tool_choice"))
        {
            case null:
                return hasTools ? ToolChoice.Auto : new ToolChoice(ToolChoiceMode.None);
            case { ValueKind: JsonValueKind.String } mode:
                return mode.GetString() switch
                {
                    "auto" => ToolChoice.Auto,
                    "none" => new ToolChoice(ToolChoiceMode.None),
                    "required" => new ToolChoice(ToolChoiceMode.Required),
                    var other => throw ApiException.Invalid("tool_choice", $"Unknown tool_choice '{other}': use 'auto', 'none', 'required' or a named function."),
                };
            case { ValueKind: JsonValueKind.Object } named:
                if (Field(named, "type", "tool_choice") != "function" || Get(named, "function") is not { ValueKind: JsonValueKind.Object } function)
                {
                    throw ApiException.Invalid("tool_choice", "A named tool_choice is {\"type\": \"function\", \"function\": {\"name\": ...}}.");
                }
                return new ToolChoice(ToolChoiceMode.Function, Field(function, "name", "tool_choice.function"));
            default:
                throw WrongType("tool_choice", "a string or an object");
        }
    }

    public static ResponseFormat Format(JsonElement body)
    {
        if (Get(body, "response_format") is not { } format)
        {
            return ResponseFormat.Text;
        }
        if (format.ValueKind != JsonValueKind.Object)
        {
            throw WrongType("response_format", "an object");
        }
        switch (Field(format, "type", "response_format"))
        {
            case "text":
                return ResponseFormat.Text;
            case "json_object":
                return new ResponseFormat(ResponseFormatKind.JsonObject);
            case "json_schema":
                if (Get(format, "json_schema") is not { ValueKind: JsonValueKind.Object } jsonSchema)
                {
                    throw ApiException.Invalid("response_format.json_schema", "'json_schema' (an object) is required.", "missing_required_parameter");
                }
                Field(jsonSchema, "name", "response_format.json_schema");
                if (Get(jsonSchema, "strict") is { } strict && strict.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    throw WrongType("response_format.json_schema.strict", "a boolean");
                }
                // The grammar enforces the schema whether or not strict is set; without a schema any JSON object is allowed.
                return Get(jsonSchema, "schema") switch
                {
                    null => new ResponseFormat(ResponseFormatKind.JsonObject),
                    { ValueKind: JsonValueKind.Object } schema => new ResponseFormat(ResponseFormatKind.JsonSchema, schema.Clone()),
                    _ => throw WrongType("response_format.json_schema.schema", "a JSON schema object"),
                };
            case var other:
                throw ApiException.Invalid("response_format.type", $"Unknown response_format type '{other}': use 'text', 'json_object' or 'json_schema'.");
        }
    }

    /// <summary>An assistant turn's <c>tool_calls</c> (follow-up requests send back the calls the model made).</summary>
    public static IReadOnlyList<ToolCall> Calls(JsonElement message, string param)
    {
        if (Get(message, "tool_calls") is not { } calls)
        {
            return [];
        }
        if (calls.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(param + ".tool_calls", "an array");
        }
        var result = new List<ToolCall>();
        var index = 0;
        foreach (var call in calls.EnumerateArray())
        {
            var callParam = $"{param}.tool_calls[{index++}]";
            if (call.ValueKind != JsonValueKind.Object || Get(call, "function") is not { ValueKind: JsonValueKind.Object } function)
            {
                throw ApiException.Invalid(callParam, "A tool call is {\"id\", \"type\": \"function\", \"function\": {\"name\", \"arguments\"}}.");
            }
            result.Add(new ToolCall(Field(call, "id", callParam), Field(function, "name", callParam + ".function"), Field(function, "arguments", callParam + ".function")));
        }
        return result;
    }

    public static string ToolCallId(JsonElement message, string param) => Field(message, "tool_call_id", param);

    // A required string field of a nested object, named by its full path.
    private static string Field(JsonElement element, string name, string parent) => Get(element, name) switch
    {
        { ValueKind: JsonValueKind.String } s => s.GetString()!,
        null => throw ApiException.Invalid($"{parent}.{name}", $"'{parent}.{name}' is required.", "missing_required_parameter"),
        _ => throw WrongType($"{parent}.{name}", "a string"),
    };

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex FunctionName();
}
