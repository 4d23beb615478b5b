using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LLama;
using PromptLeo.Inference.Llm.Structured;

namespace PromptLeo.Inference.Llm.Tools;

/// <summary>
/// How one model family is shown tools and writes tool calls: the prompt (rendered as the family's own chat template
/// renders it, since llama.cpp's built-in templates know no tools), the grammar of a forced call, and the parser that
/// finds calls in an answer. Message and tool text are content segments (plain text), the template's markup is parsed
/// for control tokens, as in <see cref="ChatPromptBuilder"/>.
/// </summary>
internal abstract class ToolCallFormat
{
    /// <summary>Family name for messages.</summary>
    public abstract string Family { get; }

    /// <summary>The family of a model's <c>tokenizer.chat_template</c>, or null when it has no known tool format.</summary>
    public static ToolCallFormat? Detect(string? template, bool thinks)
    {
        if (string.IsNullOrEmpty(template))
            return null;
        if (template.Contains("<|start_header_id|>", StringComparison.Ordinal) && template.Contains("ipython", StringComparison.Ordinal))
            return new Llama3ToolFormat();
        if (template.Contains("<|im_start|>", StringComparison.Ordinal) && template.Contains("<tool_call>", StringComparison.Ordinal))
            return new HermesToolFormat(qwen3: thinks);
        if (template.Contains("[AVAILABLE_TOOLS]", StringComparison.Ordinal) && template.Contains("[TOOL_CALLS]", StringComparison.Ordinal))
            return new MistralToolFormat();
        return null;
    }

    public static ToolCallFormat? Detect(LLamaWeights weights, bool thinks) =>
        Detect(weights.Metadata.TryGetValue("tokenizer.chat_template", out var template) ? template : null, thinks);

    /// <summary>The prompt as markup and content segments, generation prompt and <paramref name="answerPrefix"/> included.</summary>
    public abstract List<(string Text, bool IsContent)> Render(IReadOnlyList<ChatMessage> messages, IReadOnlyList<ToolDefinition> tools, string answerPrefix);

    /// <summary>The key of a call's arguments object in the family's call syntax.</summary>
    protected virtual string ArgumentsKey => "arguments";

    /// <summary>GBNF expression for one call of <paramref name="name"/> whose arguments match <paramref name="argumentsRule"/>.</summary>
    public string CallGrammar(string name, string argumentsRule) =>
        $"{GbnfGrammarBuilder.Literal($"{{\"name\": {Json(name)}, \"{ArgumentsKey}\": ")} {argumentsRule} \"}}\"";

    /// <summary>The trimmed text without a leading marker (a control token decoding drops, or a model spelled out).</summary>
    protected static string WithoutMarker(string text, string marker)
    {
        var body = text.Trim();
        return body.StartsWith(marker, StringComparison.Ordinal) ? body[marker.Length..].TrimStart() : body;
    }

    /// <summary>GBNF expression for the whole answer when it must be one of <paramref name="calls"/>.</summary>
    public abstract string AnswerGrammar(string calls);

    /// <summary>The calls in <paramref name="text"/> (only of known tools) and the text outside them.</summary>
    public abstract (string Content, List<ToolCall> Calls) Parse(string text, IReadOnlyList<ToolDefinition> tools);

    /// <summary>An id for a parsed call.</summary>
    public virtual string NewCallId() => "call_" + RandomAlphanumerics(24);

    protected static string RandomAlphanumerics(int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        return RandomNumberGenerator.GetString(alphabet, length);
    }

    /// <summary>A tool as OpenAI's request carries it, <c>{"type": "function", "function": {...}}</c>.</summary>
    protected static JsonElement ToolJson(ToolDefinition tool) => JsonSerializer.SerializeToElement(new Dictionary<string, object?>
    {
        ["type"] = "function",
        ["function"] = FunctionJson(tool),
    });

    protected static Dictionary<string, object?> FunctionJson(ToolDefinition tool)
    {
        var function = new Dictionary<string, object?> { ["name"] = tool.Name };
        if (tool.Description is not null)
            function["description"] = tool.Description;
        if (tool.Parameters is { } parameters)
            function["parameters"] = parameters;
        return function;
    }

    /// <summary>JSON as Python's <c>json.dumps</c> writes it in chat templates (<c>tojson</c>): ", " and ": " separators, or an indent.</summary>
    public static string PythonJson(JsonElement value, int? indent = null)
    {
        var text = new StringBuilder();
        Write(value, 0);
        return text.ToString();

        void Write(JsonElement element, int depth)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    WriteItems('{', '}', element.EnumerateObject().Select(p => (Key: (string?)p.Name, p.Value)).ToList(), depth);
                    break;
                case JsonValueKind.Array:
                    WriteItems('[', ']', element.EnumerateArray().Select(v => (Key: (string?)null, Value: v)).ToList(), depth);
                    break;
                case JsonValueKind.String:
                    text.Append(JsonSerializer.Serialize(element.GetString(), GbnfGrammarBuilder.Compact));
                    break;
                default:
                    text.Append(element.GetRawText());
                    break;
            }
        }

        void WriteItems(char open, char close, List<(string? Key, JsonElement Value)> items, int depth)
        {
            text.Append(open);
            for (var i = 0; i < items.Count; i++)
            {
                if (i > 0)
                    text.Append(indent is null ? ", " : ",");
                if (indent is { } step)
                    text.Append('\n').Append(' ', step * (depth + 1));
                if (items[i].Key is { } key)
                    text.Append(JsonSerializer.Serialize(key, GbnfGrammarBuilder.Compact)).Append(": ");
                Write(items[i].Value, depth + 1);
            }

            if (indent is { } last && items.Count > 0)
                text.Append('\n').Append(' ', last * depth);
            text.Append(close);
        }
    }

    /// <summary>Arguments text as a JSON value (a call's arguments are an object; text that is not JSON stays a string).</summary>
    protected static JsonElement ArgumentsJson(string arguments)
    {
        try
        {
            using var document = JsonDocument.Parse(arguments);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(arguments);
        }
    }

    /// <summary>A call object <c>{"name": ..., "arguments"/"parameters": {...}}</c> of a known tool, or null.</summary>
    protected ToolCall? CallFrom(JsonElement call, IReadOnlyList<ToolDefinition> tools, string argumentsKey)
    {
        if (call.ValueKind != JsonValueKind.Object
            || !call.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
            || tools.All(t => t.Name != name.GetString()))
            return null;
        if (!call.TryGetProperty(argumentsKey, out var arguments) && !call.TryGetProperty("arguments", out arguments))
            return null;
        // Some models write the arguments as a JSON string; the API always returns the object's JSON text.
        var text = arguments.ValueKind == JsonValueKind.String ? arguments.GetString()! : arguments.GetRawText();
        var id = call.TryGetProperty("id", out var given) && given.ValueKind == JsonValueKind.String ? given.GetString()! : NewCallId();
        return new ToolCall(id, name.GetString()!, text);
    }

    protected static bool TryParse(string text, out JsonElement value)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            value = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            value = default;
            return false;
        }
    }

    protected static string Json(string s) => JsonSerializer.Serialize(s, GbnfGrammarBuilder.Compact);
}

/// <summary>
/// Qwen2.5 and Qwen3 (Hermes-style, ChatML): tools as JSON lines inside <c>&lt;tools&gt;</c> in the system turn, calls as
/// <c>&lt;tool_call&gt;\n{"name": ..., "arguments": {...}}\n&lt;/tool_call&gt;</c>, results in a user turn inside
/// <c>&lt;tool_response&gt;</c>.
/// </summary>
internal sealed class HermesToolFormat(bool qwen3) : ToolCallFormat
{
    public override string Family => qwen3 ? "Qwen3" : "Qwen2.5 (ChatML)";

    private const string ToolsIntro = "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
        "You are provided with function signatures within <tools></tools> XML tags:\n<tools>";

    private const string ToolsOutro = "\n</tools>\n\nFor each function call, return a json object with function name and " +
        "arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": " +
        "<args-json-object>}\n</tool_call><|im_end|>\n";

    public override List<(string Text, bool IsContent)> Render(IReadOnlyList<ChatMessage> messages, IReadOnlyList<ToolDefinition> tools, string answerPrefix)
    {
        var segments = new List<(string, bool)>();
        var start = 0;
        if (tools.Count > 0)
        {
            segments.Add(("<|im_start|>system\n", false));
            if (messages.Count > 0 && messages[0].Role == ChatRole.System)
            {
                segments.Add((messages[0].Content, true));
                segments.Add(("\n\n", false));
                start = 1;
            }

            segments.Add((ToolsIntro, false));
            foreach (var tool in tools)
            {
                segments.Add(("\n", false));
                segments.Add((PythonJson(ToolJson(tool)), true));
            }

            segments.Add((ToolsOutro, false));
        }

        for (var i = start; i < messages.Count; i++)
        {
            var message = messages[i];
            switch (message.Role)
            {
                case ChatRole.Tool:
                    if (i == 0 || messages[i - 1].Role != ChatRole.Tool)
                        segments.Add(("<|im_start|>user", false));
                    segments.Add(("\n<tool_response>\n", false));
                    segments.Add((message.Content, true));
                    segments.Add(("\n</tool_response>", false));
                    if (i == messages.Count - 1 || messages[i + 1].Role != ChatRole.Tool)
                        segments.Add(("<|im_end|>\n", false));
                    break;
                case ChatRole.Assistant when message.ToolCalls.Count > 0:
                    segments.Add(("<|im_start|>assistant", false));
                    if (qwen3)
                        segments.Add(("\n", false));
                    if (message.Content.Length > 0)
                    {
                        if (!qwen3)
                            segments.Add(("\n", false));
                        segments.Add((message.Content, true));
                    }

                    for (var c = 0; c < message.ToolCalls.Count; c++)
                    {
                        var call = message.ToolCalls[c];
                        if (!qwen3 || c > 0 || message.Content.Length > 0)
                            segments.Add(("\n", false));
                        segments.Add(("<tool_call>\n{\"name\": \"", false));
                        segments.Add((call.Name, true));
                        segments.Add(("\", \"arguments\": ", false));
                        segments.Add((PythonJson(ArgumentsJson(call.Arguments)), true));
                        segments.Add(("}\n</tool_call>", false));
                    }

                    segments.Add(("<|im_end|>\n", false));
                    break;
                default:
                    segments.Add(($"<|im_start|>{RoleName(message.Role)}\n", false));
                    segments.Add((message.Content, true));
                    segments.Add(("<|im_end|>\n", false));
                    break;
            }
        }

        segments.Add(("<|im_start|>assistant\n" + answerPrefix, false));
        return segments;
    }

    private static string RoleName(ChatRole role) => role switch
    {
        ChatRole.System => "system",
        ChatRole.Assistant => "assistant",
        _ => "user",
    };

    public override string AnswerGrammar(string calls) =>
        $"\"<tool_call>\\n\" ( {calls} ) \"\\n</tool_call>\"";

    public override (string Content, List<ToolCall> Calls) Parse(string text, IReadOnlyList<ToolDefinition> tools)
    {
        var calls = new List<ToolCall>();
        var content = new StringBuilder();
        var cursor = 0;
        while (true)
        {
            var open = text.IndexOf("<tool_call>", cursor, StringComparison.Ordinal);
            var close = open < 0 ? -1 : text.IndexOf("</tool_call>", open, StringComparison.Ordinal);
            if (close < 0)
                break;
            var body = text[(open + "<tool_call>".Length)..close];
            if (TryParse(body, out var json) && CallFrom(json, tools, "arguments") is { } call)
            {
                calls.Add(call);
                content.Append(text, cursor, open - cursor);
            }
            else
            {
                content.Append(text, cursor, close + "</tool_call>".Length - cursor);
            }

            cursor = close + "</tool_call>".Length;
        }

        content.Append(text, cursor, text.Length - cursor);
        return (calls.Count > 0 ? content.ToString().Trim() : text, calls);
    }
}

/// <summary>
/// Llama 3.1 / 3.2 / 3.3 (JSON tool calling, the template's default <c>tools_in_user_message</c>): the tools go into the
/// first user turn with Meta's instruction, a call is the whole answer <c>{"name": ..., "parameters": {...}}</c>
/// (one per turn), results come back in an <c>ipython</c> turn.
/// </summary>
internal sealed class Llama3ToolFormat : ToolCallFormat
{
    public override string Family => "Llama 3.x";

    protected override string ArgumentsKey => "parameters";

    private const string Instruction = "Given the following functions, please respond with a JSON for a function call " +
        "with its proper arguments that best answers the given prompt.\n\n" +
        "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}." +
        "Do not use variables.\n\n";

    /// <summary>The template's "Today Date" line; its own fallback when the renderer has no clock.</summary>
    public static string TodayDate(DateTimeOffset now) => now.ToString("dd MMM yyyy", CultureInfo.InvariantCulture);

    public override List<(string Text, bool IsContent)> Render(IReadOnlyList<ChatMessage> messages, IReadOnlyList<ToolDefinition> tools, string answerPrefix)
    {
        var segments = new List<(string, bool)> { ("<|start_header_id|>system<|end_header_id|>\n\n", false) };
        if (tools.Count > 0)
            segments.Add(("Environment: ipython\n", false));
        segments.Add(($"Cutting Knowledge Date: December 2023\nToday Date: {TodayDate(DateTimeOffset.UtcNow)}\n\n", false));
        var start = 0;
        if (messages.Count > 0 && messages[0].Role == ChatRole.System)
        {
            segments.Add((messages[0].Content.Trim(), true));
            start = 1;
        }

        segments.Add(("<|eot_id|>", false));
        if (tools.Count > 0 && start < messages.Count && messages[start].Role == ChatRole.User)
        {
            segments.Add(("<|start_header_id|>user<|end_header_id|>\n\n" + Instruction, false));
            foreach (var tool in tools)
            {
                segments.Add((PythonJson(ToolJson(tool), indent: 4), true));
                segments.Add(("\n\n", false));
            }

            segments.Add((messages[start].Content.Trim(), true));
            segments.Add(("<|eot_id|>", false));
            start++;
        }

        for (var i = start; i < messages.Count; i++)
        {
            var message = messages[i];
            if (message.Role == ChatRole.Assistant && message.ToolCalls.Count > 0)
            {
                if (message.ToolCalls.Count > 1)
                    throw new ChatRequestException($"messages[{i}].tool_calls", "Llama 3.x models take one tool call per assistant turn.");
                var call = message.ToolCalls[0];
                segments.Add(("<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"", false));
                segments.Add((call.Name, true));
                segments.Add(("\", \"parameters\": ", false));
                segments.Add((PythonJson(ArgumentsJson(call.Arguments)), true));
                segments.Add(("}<|eot_id|>", false));
                continue;
            }

            var role = message.Role switch
            {
                ChatRole.System => "system",
                ChatRole.Assistant => "assistant",
                ChatRole.Tool => "ipython",
                _ => "user",
            };
            segments.Add(($"<|start_header_id|>{role}<|end_header_id|>\n\n", false));
            segments.Add((message.Role == ChatRole.Tool ? message.Content : message.Content.Trim(), true));
            segments.Add(("<|eot_id|>", false));
        }

        segments.Add(("<|start_header_id|>assistant<|end_header_id|>\n\n" + answerPrefix, false));
        return segments;
    }

    public override string AnswerGrammar(string calls) => $"( {calls} )";

    public override (string Content, List<ToolCall> Calls) Parse(string text, IReadOnlyList<ToolDefinition> tools)
    {
        var body = WithoutMarker(text, "<|python_tag|>");
        return body.StartsWith('{') && TryParse(body, out var json) && CallFrom(json, tools, "parameters") is { } call
            ? ("", [call])
            : (text, []);
    }
}

/// <summary>
/// Mistral v3 (Mistral-7B-Instruct-v0.3, Mistral-Large-2407): <c>[AVAILABLE_TOOLS] [...][/AVAILABLE_TOOLS]</c> before the
/// last user turn, calls as <c>[TOOL_CALLS] [{"name": ..., "arguments": {...}}]</c>, results as
/// <c>[TOOL_RESULTS] {"content": ..., "call_id": ...}[/TOOL_RESULTS]</c>; call ids are 9 alphanumerics, as its template requires.
/// </summary>
internal sealed class MistralToolFormat : ToolCallFormat
{
    public override string Family => "Mistral v3";

    public override string NewCallId() => RandomAlphanumerics(9);

    public override List<(string Text, bool IsContent)> Render(IReadOnlyList<ChatMessage> messages, IReadOnlyList<ToolDefinition> tools, string answerPrefix)
    {
        var segments = new List<(string, bool)>();
        var start = 0;
        string? system = null;
        if (messages.Count > 0 && messages[0].Role == ChatRole.System)
        {
            system = messages[0].Content;
            start = 1;
        }

        var lastUser = -1;
        for (var i = start; i < messages.Count; i++)
            if (messages[i].Role == ChatRole.User)
                lastUser = i;

        for (var i = start; i < messages.Count; i++)
        {
            var message = messages[i];
            switch (message.Role)
            {
                case ChatRole.User or ChatRole.System:
                    if (i == lastUser && tools.Count > 0)
                    {
                        segments.Add(("[AVAILABLE_TOOLS] [", false));
                        for (var t = 0; t < tools.Count; t++)
                        {
                            segments.Add(("{\"type\": \"function\", \"function\": ", false));
                            segments.Add((PythonJson(JsonSerializer.SerializeToElement(FunctionJson(tools[t]))), true));
                            segments.Add((t < tools.Count - 1 ? "}, " : "}]", false));
                        }

                        segments.Add(("[/AVAILABLE_TOOLS]", false));
                    }

                    segments.Add(("[INST] ", false));
                    if (i == lastUser && system is not null)
                    {
                        segments.Add((system, true));
                        segments.Add(("\n\n", false));
                    }

                    segments.Add((message.Content, true));
                    segments.Add(("[/INST]", false));
                    break;
                case ChatRole.Assistant when message.ToolCalls.Count > 0:
                    segments.Add(("[TOOL_CALLS] [", false));
                    for (var c = 0; c < message.ToolCalls.Count; c++)
                    {
                        var call = message.ToolCalls[c];
                        segments.Add(("{\"name\": ", false));
                        segments.Add((Json(call.Name), true));
                        segments.Add((", \"arguments\": ", false));
                        segments.Add((PythonJson(ArgumentsJson(call.Arguments)), true));
                        segments.Add((", \"id\": ", false));
                        segments.Add((Json(call.Id), true));
                        segments.Add((c < message.ToolCalls.Count - 1 ? "}, " : "}]</s>", false));
                    }

                    break;
                case ChatRole.Assistant:
                    segments.Add((" ", false));
                    segments.Add((message.Content.Trim(), true));
                    segments.Add(("</s>", false));
                    break;
                case ChatRole.Tool:
                    segments.Add(("[TOOL_RESULTS] {\"content\": ", false));
                    segments.Add((message.Content, true));
                    segments.Add((", \"call_id\": ", false));
                    segments.Add((Json(message.ToolCallId ?? ""), true));
                    segments.Add(("}[/TOOL_RESULTS]", false));
                    break;
            }
        }

        segments.Add((answerPrefix, false));
        return segments;
    }

    public override string AnswerGrammar(string calls) => $"\"[TOOL_CALLS] [\" ( {calls} ) \"]\"";

    public override (string Content, List<ToolCall> Calls) Parse(string text, IReadOnlyList<ToolDefinition> tools)
    {
        var body = WithoutMarker(text, "[TOOL_CALLS]");
        if (!body.StartsWith('[') || !TryParse(body, out var json) || json.ValueKind != JsonValueKind.Array)
            return (text, []);
        var calls = json.EnumerateArray().Select(c => CallFrom(c, tools, "arguments")).ToList();
        return calls.Count > 0 && calls.All(c => c is not null) ? ("", [.. calls.OfType<ToolCall>()]) : (text, []);
    }
}
