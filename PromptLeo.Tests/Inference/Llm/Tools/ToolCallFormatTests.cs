extern alias JsonSchemaNet;
using System.Text;
using System.Text.Json;
using JsonSchemaNet::Json.Schema;
using LLama;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Llm.Tools;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Llm.Tools;

/// <summary>
/// Tool calls per model family, on tiny GGUFs with the families' real templates and tool tokens: the prompt shows the
/// tools and the tool turns as the family's template does, the parsers read the family's call syntax, and a required or
/// named call is forced by a grammar, so even random weights call the tool with arguments that fit its schema.
/// </summary>
public sealed class ToolCallFormatTests : IAsyncLifetime
{
    private TinyModels _models = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _models = await TinyModels.CreateAsync([.. ToolModels.Options(), TinyModels.ChatModel()]);
        _services = _models.BuildServices();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _models.DisposeAsync();
    }

    internal const string WeatherParameters = """
        {"type": "object", "properties": {"city": {"type": "string", "maxLength": 10}, "unit": {"enum": ["C", "F"]}}, "required": ["city", "unit"], "additionalProperties": false}
        """;

    internal static readonly ToolDefinition Weather = new("get_weather", "Current weather", JsonDocument.Parse(WeatherParameters).RootElement.Clone());
    internal static readonly ToolDefinition Time = new("get_time", null, null);

    private static readonly List<ChatMessage> Question = [new(ChatRole.System, "be brief"), new(ChatRole.User, "Weather in Berlin?")];

    private static readonly List<ChatMessage> FollowUp =
    [
        .. Question,
        new(ChatRole.Assistant, "") { ToolCalls = [new ToolCall("abc123XYZ", "get_weather", """{"city":"Berlin","unit":"C"}""")] },
        new(ChatRole.Tool, """{"temp": 21}""") { ToolCallId = "abc123XYZ" },
    ];

    private const string ParametersPython = """{"type": "object", "properties": {"city": {"type": "string", "maxLength": 10}, "unit": {"enum": ["C", "F"]}}, "required": ["city", "unit"], "additionalProperties": false}""";

    private static string LlamaToolJson() => JsonSerializer.Serialize(
        new { type = "function", function = new { name = "get_weather", description = "Current weather", parameters = JsonDocument.Parse(WeatherParameters).RootElement } },
        new JsonSerializerOptions { WriteIndented = true, IndentSize = 4 });

    private static string LlamaHead() =>
        "<|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\nCutting Knowledge Date: December 2023\n" +
        $"Today Date: {Llama3ToolFormat.TodayDate(DateTimeOffset.UtcNow)}\n\nbe brief<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\nGiven the following functions, please respond with a JSON for a function call " +
        "with its proper arguments that best answers the given prompt.\n\nRespond in the format {\"name\": function name, " +
        "\"parameters\": dictionary of argument name and its value}.Do not use variables.\n\n" + LlamaToolJson() +
        "\n\nWeather in Berlin?<|eot_id|>";

    private const string QwenHead =
        "<|im_start|>system\nbe brief\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
        "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" +
        "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Current weather\", \"parameters\": " + ParametersPython + "}}" +
        "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n" +
        "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" +
        "<|im_start|>user\nWeather in Berlin?<|im_end|>\n";

    private const string MistralHead =
        "[AVAILABLE_TOOLS] [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Current weather\", \"parameters\": " +
        ParametersPython + "}}][/AVAILABLE_TOOLS][INST] be brief\n\nWeather in Berlin?[/INST]";

    // Expected prompts (question; follow-up with the call and its result), as the families' Jinja templates render them.
    public static TheoryData<string, bool> Prompts => new()
    {
        { ToolModels.Llama, false }, { ToolModels.Llama, true },
        { ToolModels.Qwen, false }, { ToolModels.Qwen, true },
        { ToolModels.Mistral, false }, { ToolModels.Mistral, true },
    };

    private static string ExpectedPrompt(string model, bool followUp) => model switch
    {
        ToolModels.Llama => LlamaHead() + (followUp
            ? "<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Berlin\", \"unit\": \"C\"}}<|eot_id|>" +
              "<|start_header_id|>ipython<|end_header_id|>\n\n{\"temp\": 21}<|eot_id|>"
            : "") + "<|start_header_id|>assistant<|end_header_id|>\n\n",
        ToolModels.Qwen => QwenHead + (followUp
            ? "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Berlin\", \"unit\": \"C\"}}\n</tool_call><|im_end|>\n" +
              "<|im_start|>user\n<tool_response>\n{\"temp\": 21}\n</tool_response><|im_end|>\n"
            : "") + "<|im_start|>assistant\n",
        _ => MistralHead + (followUp
            ? "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Berlin\", \"unit\": \"C\"}, \"id\": \"abc123XYZ\"}]</s>" +
              "[TOOL_RESULTS] {\"content\": {\"temp\": 21}, \"call_id\": \"abc123XYZ\"}[/TOOL_RESULTS]"
            : ""),
    };

    private async Task<(IModelLease Lease, LlamaChatModel Model)> LoadAsync(string model)
    {
        var lease = await _services.GetRequiredService<IModelRegistry>().AcquireAsync(model);
        return (lease, (LlamaChatModel)lease.Model);
    }

    [Theory]
    [MemberData(nameof(Prompts))]
    public async Task Render_RealFamilyTemplate_ShowsToolsAndToolTurnsAsTheFamilyTemplateDoes(string name, bool followUp)
    {
        var (lease, model) = await LoadAsync(name);
        using var _ = lease;
        var tools = new ToolPrompt(Assert.IsAssignableFrom<ToolCallFormat>(model.ToolFormat), [Weather]);
        var messages = followUp ? FollowUp : Question;

        var expected = ExpectedPrompt(name, followUp);
        Assert.Equal(expected, ChatPromptBuilder.RenderText(model.Weights, messages, tools: tools));
        // The family's tool markup becomes its special tokens, exactly as parsing the expected text whole.
        Assert.Equal(model.Weights.Tokenize(expected, add_bos: true, special: true, Encoding.UTF8),
            ChatPromptBuilder.Tokenize(model.Weights, messages, tools: tools));
    }

    [Fact]
    public async Task Detect_TemplateWithoutToolFormat_HasNone()
    {
        var (lease, model) = await LoadAsync("tiny-chat");
        using var _ = lease;

        Assert.Null(model.ToolFormat);
        Assert.Null(ToolCallFormat.Detect(RealChatTemplates.Llama3, thinks: false));
        Assert.IsType<HermesToolFormat>(ToolCallFormat.Detect(RealChatTemplates.Qwen3, thinks: true));
    }

    public static TheoryData<string, string, string, string> ParsedOutputs => new()
    {
        // family, model output, expected content, expected "name|arguments" list
        { ToolModels.Qwen, "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Berlin\", \"unit\": \"C\"}}\n</tool_call>", "Let me check.", "get_weather|{\"city\": \"Berlin\", \"unit\": \"C\"}" },
        { ToolModels.Qwen, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rom\", \"unit\": \"C\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>", "", "get_weather|{\"city\": \"Rom\", \"unit\": \"C\"};get_time|{}" },
        { ToolModels.Qwen, "<tool_call>\n{\"name\": \"launch\", \"arguments\": {}}\n</tool_call>", "<tool_call>\n{\"name\": \"launch\", \"arguments\": {}}\n</tool_call>", "" },
        { ToolModels.Qwen, "It is sunny.", "It is sunny.", "" },
        { ToolModels.Llama, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Berlin\", \"unit\": \"F\"}}", "", "get_weather|{\"city\": \"Berlin\", \"unit\": \"F\"}" },
        { ToolModels.Llama, "<|python_tag|>{\"name\": \"get_time\", \"parameters\": {}}", "", "get_time|{}" },
        { ToolModels.Llama, "{\"weather\": \"sunny\"}", "{\"weather\": \"sunny\"}", "" },
        { ToolModels.Mistral, "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"C\"}}]", "", "get_weather|{\"city\": \"Paris\", \"unit\": \"C\"}" },
        // [TOOL_CALLS] is a control token: decoding drops it, leaving the list.
        { ToolModels.Mistral, " [{\"name\": \"get_time\", \"arguments\": {}}, {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"unit\": \"C\"}}]", "", "get_time|{};get_weather|{\"city\": \"Oslo\", \"unit\": \"C\"}" },
        { ToolModels.Mistral, "Sunny in Paris.", "Sunny in Paris.", "" },
    };

    private static ToolCallFormat FormatOf(string model) => model switch
    {
        ToolModels.Llama => ToolCallFormat.Detect(RealChatTemplates.Llama32, thinks: false)!,
        ToolModels.Qwen => ToolCallFormat.Detect(RealChatTemplates.Qwen25, thinks: false)!,
        _ => ToolCallFormat.Detect(RealChatTemplates.MistralV3, thinks: false)!,
    };

    [Theory]
    [MemberData(nameof(ParsedOutputs))]
    public void Parse_FamilyCallSyntax_YieldsCallsOfKnownToolsAndTheRestAsContent(string model, string output, string content, string calls)
    {
        var format = FormatOf(model);

        var parsed = format.Parse(output, [Weather, Time]);

        Assert.Equal(content, parsed.Content);
        Assert.Equal(calls, string.Join(";", parsed.Calls.Select(c => $"{c.Name}|{c.Arguments}")));
        Assert.All(parsed.Calls, c => Assert.Matches(model == ToolModels.Mistral ? "^[A-Za-z0-9]{9}$" : "^call_[A-Za-z0-9]{24}$", c.Id));
    }

    public static TheoryData<string, bool> ForcedCalls => new()
    {
        { ToolModels.Llama, false }, { ToolModels.Llama, true },
        { ToolModels.Qwen, false }, { ToolModels.Qwen, true },
        { ToolModels.Mistral, false }, { ToolModels.Mistral, true },
    };

    [Theory]
    [MemberData(nameof(ForcedCalls))]
    public async Task StreamAsync_RequiredOrNamedToolOnRandomWeights_CallsWithArgumentsThatFitTheSchema(string model, bool named)
    {
        var request = new ChatRequest(model, Question, new SamplingOptions { MaxTokens = 300, Temperature = 1f, Seed = 3 })
        {
            Tools = [Time, Weather],
            ToolChoice = named ? new ToolChoice(ToolChoiceMode.Function, "get_weather") : new ToolChoice(ToolChoiceMode.Required),
        };
        var updates = new List<ChatUpdate>();
        await foreach (var update in _services.GetRequiredService<IChatEngine>().StreamAsync(request))
            updates.Add(update);

        var last = updates[^1];
        Assert.Equal(FinishReason.Stop, last.FinishReason);
        Assert.All(updates[..^1], u => Assert.Equal("", u.TextDelta));
        var call = Assert.Single(last.ToolCalls);
        Assert.Equal("", last.TextDelta);
        if (named)
            Assert.Equal("get_weather", call.Name);
        var schema = call.Name == "get_weather" ? JsonSchema.FromText(WeatherParameters) : JsonSchema.FromText("""{"type":"object","additionalProperties":false}""");
        Assert.True(schema.Evaluate(JsonDocument.Parse(call.Arguments).RootElement).IsValid, call.Arguments);
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "tiny-chat|tools", "tools" },
        { "tiny-chat|tool-turn", "messages[2].tool_calls" },
        { $"{ToolModels.Qwen}|unknown-name", "tool_choice.function.name" },
        { $"{ToolModels.Qwen}|json-and-tools", "response_format" },
        { $"{ToolModels.Qwen}|required-without-tools", "tool_choice" },
        { $"{ToolModels.Qwen}|bad-parameters", "tools[0].function.parameters.properties.when.format" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task StreamAsync_ToolsTheModelOrRequestCannotHonour_RefusedNamingTheField(string scenario, string field)
    {
        var (model, kind) = (scenario.Split('|')[0], scenario.Split('|')[1]);
        var badParameters = new ToolDefinition("plan", null, JsonDocument.Parse("""{"type":"object","properties":{"when":{"type":"string","format":"date"}}}""").RootElement.Clone());
        var request = new ChatRequest(model, kind == "tool-turn" ? FollowUp : Question, new SamplingOptions { MaxTokens = 8 }) with
        {
            Tools = kind switch { "required-without-tools" or "tool-turn" => [], "bad-parameters" => [badParameters], _ => [Weather] },
            ToolChoice = kind switch
            {
                "unknown-name" => new ToolChoice(ToolChoiceMode.Function, "nope"),
                "required-without-tools" or "bad-parameters" => new ToolChoice(ToolChoiceMode.Required),
                "tool-turn" => new ToolChoice(ToolChoiceMode.None),
                _ => ToolChoice.Auto,
            },
            ResponseFormat = kind == "json-and-tools" ? new ResponseFormat(ResponseFormatKind.JsonObject) : ResponseFormat.Text,
        };

        var error = await Assert.ThrowsAsync<ChatRequestException>(async () =>
        {
            await foreach (var _ in _services.GetRequiredService<IChatEngine>().StreamAsync(request)) { }
        });

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Prompt_ToolChoiceNone_ToolsAreNotShown()
    {
        var format = FormatOf(ToolModels.Qwen);
        var request = new ChatRequest(ToolModels.Qwen, FollowUp, new SamplingOptions()) { Tools = [Weather], ToolChoice = new ToolChoice(ToolChoiceMode.None) };

        var prompt = OutputConstraints.Prompt(request, ToolModels.Qwen, format);

        Assert.NotNull(prompt);
        Assert.Empty(prompt.Definitions);
        Assert.Null(OutputConstraints.Grammar(request, prompt));
        Assert.DoesNotContain("<tools>", string.Concat(format.Render(request.Messages, prompt.Definitions, "").Select(s => s.Text)), StringComparison.Ordinal);
    }
}
