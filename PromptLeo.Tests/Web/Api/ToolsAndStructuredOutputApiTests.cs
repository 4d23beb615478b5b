extern alias JsonSchemaNet;
#pragma warning disable OPENAI001 // Seed makes the random-weight answers repeatable.
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using JsonSchemaNet::Json.Schema;
using OpenAI;
using OpenAI.Chat;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Inference.Llm.Structured;
using PromptLeo.Tests.Inference.Llm.Tools;

namespace PromptLeo.Tests.Web.Api;

/// <summary>
/// /v1/chat/completions with response_format and tools through the official OpenAI .NET client, against tiny
/// random-weight models of the tool families: the grammar forces valid JSON and valid calls, so the client's structured
/// output and tool-call paths (streaming included) run for real; unsupported fields are 400s that name them.
/// </summary>
public sealed class ToolsAndStructuredOutputApiTests(ToolsPortalFactory factory) : IClassFixture<ToolsPortalFactory>
{
    private ChatClient Chat(string secret, string model) => new OpenAIClient(new ApiKeyCredential(secret), new OpenAIClientOptions
    {
        Endpoint = new Uri(factory.Server.BaseAddress, "/v1"),
        Transport = new HttpClientPipelineTransport(factory.CreateClient()),
    }).GetChatClient(model);

    private static ChatTool WeatherTool() =>
        ChatTool.CreateFunctionTool("get_weather", "Current weather", BinaryData.FromString(ToolCallFormatTests.WeatherParameters));

    private static ChatTool TimeTool() => ChatTool.CreateFunctionTool("get_time", "Current time");

    private static bool Validates(string schema, string json) => JsonSchema.FromText(schema).Evaluate(JsonDocument.Parse(json).RootElement).IsValid;

    [Fact]
    public async Task OpenAiClient_JsonObjectMode_AnswerIsAJsonObjectAndMetered()
    {
        var (_, userId, key) = await factory.CreateApiClientAsync();
        var options = new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat(), MaxOutputTokenCount = 1500, Seed = 1 };

        ChatCompletion completion = await Chat(key.Secret, ApiPortalFactory.ChatModel).CompleteChatAsync([new UserChatMessage("Reply in JSON")], options);

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(completion.Content[0].Text).RootElement.ValueKind);
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal(completion.Usage.OutputTokenCount, usage.OutputTokens);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task OpenAiClient_StrictJsonSchema_AnswerParsesAndValidates(long seed)
    {
        var (_, _, key) = await factory.CreateApiClientAsync();
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("person", BinaryData.FromString(GbnfGrammarBuilderTests.PersonSchema), jsonSchemaIsStrict: true),
            MaxOutputTokenCount = 600,
            Seed = seed,
        };

        ChatCompletion completion = await Chat(key.Secret, ToolModels.Qwen).CompleteChatAsync([new UserChatMessage("Describe a person")], options);

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.True(Validates(GbnfGrammarBuilderTests.PersonSchema, completion.Content[0].Text), completion.Content[0].Text);
    }

    [Fact]
    public async Task OpenAiClient_JsonSchemaAndTooFewTokens_FinishReasonLength()
    {
        var (_, _, key) = await factory.CreateApiClientAsync();
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("person", BinaryData.FromString(GbnfGrammarBuilderTests.PersonSchema), jsonSchemaIsStrict: true),
            MaxOutputTokenCount = 4,
        };

        ChatCompletion completion = await Chat(key.Secret, ToolModels.Qwen).CompleteChatAsync([new UserChatMessage("Describe a person")], options);

        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(4, completion.Usage.OutputTokenCount);
    }

    public static TheoryData<string> Families => [.. ToolModels.All];

    [Theory]
    [MemberData(nameof(Families))]
    public async Task OpenAiClient_ToolChoiceRequired_ReturnsToolCallsWithValidArguments(string model)
    {
        var (_, userId, key) = await factory.CreateApiClientAsync();
        var options = new ChatCompletionOptions { Tools = { TimeTool(), WeatherTool() }, ToolChoice = ChatToolChoice.CreateRequiredChoice(), MaxOutputTokenCount = 300, Seed = 5 };

        ChatCompletion completion = await Chat(key.Secret, model).CompleteChatAsync([new UserChatMessage("Weather in Berlin?")], options);

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.False(string.IsNullOrEmpty(call.Id));
        var schema = call.FunctionName == "get_weather" ? ToolCallFormatTests.WeatherParameters : """{"type":"object","additionalProperties":false}""";
        Assert.True(Validates(schema, call.FunctionArguments.ToString()), call.FunctionArguments.ToString());
        Assert.Empty(completion.Content);
        Assert.Single(await factory.UsageEventsAsync(userId));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task OpenAiClient_NamedToolStreaming_DeltasAssembleToTheCall(string model)
    {
        var (_, _, key) = await factory.CreateApiClientAsync();
        var options = new ChatCompletionOptions { Tools = { TimeTool(), WeatherTool() }, ToolChoice = ChatToolChoice.CreateFunctionChoice("get_weather"), MaxOutputTokenCount = 300, Seed = 6 };
        var ids = new List<string>();
        var names = new List<string>();
        var arguments = new StringBuilder();
        ChatFinishReason? finish = null;
        var content = new StringBuilder();

        await foreach (var update in Chat(key.Secret, model).CompleteChatStreamingAsync([new UserChatMessage("Weather in Berlin?")], options))
        {
            foreach (var part in update.ContentUpdate)
                content.Append(part.Text);
            foreach (var delta in update.ToolCallUpdates)
            {
                Assert.Equal(0, delta.Index);
                if (delta.ToolCallId is { } id)
                    ids.Add(id);
                if (delta.FunctionName is { } name)
                    names.Add(name);
                arguments.Append(delta.FunctionArgumentsUpdate?.ToString());
            }
            finish = update.FinishReason ?? finish;
        }

        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Single(ids);
        Assert.Equal(["get_weather"], names);
        Assert.Equal("", content.ToString());
        Assert.True(Validates(ToolCallFormatTests.WeatherParameters, arguments.ToString()), arguments.ToString());
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task OpenAiClient_FollowUpWithToolResult_Answers(string model)
    {
        var (_, userId, key) = await factory.CreateApiClientAsync();
        var chat = Chat(key.Secret, model);
        var options = new ChatCompletionOptions { Tools = { WeatherTool() }, ToolChoice = ChatToolChoice.CreateRequiredChoice(), MaxOutputTokenCount = 300, Seed = 7 };
        List<OpenAI.Chat.ChatMessage> messages = [new UserChatMessage("Weather in Berlin?")];
        ChatCompletion first = await chat.CompleteChatAsync(messages, options);
        messages.Add(new AssistantChatMessage(first.ToolCalls));
        messages.Add(new ToolChatMessage(first.ToolCalls[0].Id, """{"temperature": 21, "unit": "C"}"""));

        ChatCompletion answer = await chat.CompleteChatAsync(messages, new ChatCompletionOptions { Tools = { WeatherTool() }, ToolChoice = ChatToolChoice.CreateNoneChoice(), MaxOutputTokenCount = 8 });

        Assert.Contains(answer.FinishReason, new[] { ChatFinishReason.Stop, ChatFinishReason.Length });
        Assert.Empty(answer.ToolCalls);
        // The call and its result are in the prompt: more than the question alone (the result is 30 bytes of JSON).
        ChatCompletion question = await chat.CompleteChatAsync([new UserChatMessage("Weather in Berlin?")], new ChatCompletionOptions { MaxOutputTokenCount = 1 });
        Assert.True(answer.Usage.InputTokenCount > question.Usage.InputTokenCount + 20, $"{answer.Usage.InputTokenCount} vs {question.Usage.InputTokenCount}");
        Assert.Equal(3, (await factory.UsageEventsAsync(userId)).Count);
    }

    [Fact]
    public async Task ChatCompletions_RequiredToolRawJson_ContentNullAndFunctionCall()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();

        var response = await client.PostAsync("/v1/chat/completions", ChatCompletionsApiTests.Json(new
        {
            model = ToolModels.Qwen, messages = Messages, max_tokens = 300, seed = 3, tools = new[] { WeatherToolJson }, tool_choice = "required",
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var choice = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("message").GetProperty("content").ValueKind);
        var call = Assert.Single(choice.GetProperty("message").GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Matches("^call_[A-Za-z0-9]{24}$", call.GetProperty("id").GetString());
    }

    [Fact]
    public async Task OpenAiClient_RequiredToolCutByMaxTokens_LengthWithoutToolCalls()
    {
        var (_, _, key) = await factory.CreateApiClientAsync();
        var options = new ChatCompletionOptions { Tools = { WeatherTool() }, ToolChoice = ChatToolChoice.CreateRequiredChoice(), MaxOutputTokenCount = 3 };

        ChatCompletion completion = await Chat(key.Secret, ToolModels.Qwen).CompleteChatAsync([new UserChatMessage("Weather?")], options);

        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Empty(completion.ToolCalls);
        // Three tokens of the forced call: "<tool_call>" as its own token or spelled out in pieces.
        var text = completion.Content[0].Text;
        Assert.True(text.StartsWith("<tool_call>", StringComparison.Ordinal) || "<tool_call>".StartsWith(text, StringComparison.Ordinal), text);
    }

    private async Task<JsonElement> ErrorAsync(HttpClient client, object body)
    {
        var response = await client.PostAsync("/v1/chat/completions", ChatCompletionsApiTests.Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
    }

    private static object[] Messages => [new { role = "user", content = "hi" }];

    private static object WeatherToolJson => new { type = "function", function = new { name = "get_weather", parameters = JsonDocument.Parse(ToolCallFormatTests.WeatherParameters).RootElement } };

    public static TheoryData<string, string> RefusedFields => new()
    {
        { """{"logit_bias": {"42": 5}}""", "logit_bias" },
        { """{"functions": [{"name": "f"}]}""", "functions" },
        { """{"function_call": "auto"}""", "function_call" },
        { """{"modalities": ["text", "audio"]}""", "modalities" },
        { """{"audio": {"voice": "alloy", "format": "wav"}}""", "audio" },
        { """{"prediction": {"type": "content", "content": "x"}}""", "prediction" },
        { """{"web_search_options": {}}""", "web_search_options" },
        { """{"response_format": {"type": "json_schema", "json_schema": {"name": "d", "schema": {"type": "string", "format": "date"}}}}""", "response_format.json_schema.schema.format" },
        { """{"response_format": {"type": "json_schema", "json_schema": {"name": "o", "schema": {"type": "object", "properties": {"n": {"type": "number", "minimum": 0}}}}}}""", "response_format.json_schema.schema.properties.n.minimum" },
        { """{"response_format": {"type": "yaml"}}""", "response_format.type" },
        { """{"tools": [{"type": "code_interpreter"}]}""", "tools[0].type" },
        { """{"tools": [{"type": "function", "function": {"name": "bad name!"}}]}""", "tools[0].function.name" },
        { """{"tool_choice": "sometimes"}""", "tool_choice" },
        { """{"tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": {"type": "function", "function": {"name": "g"}}}""", "tool_choice.function.name" },
        { """{"messages": [{"role": "tool", "content": "21"}]}""", "messages[0].tool_call_id" },
    };

    [Theory]
    [MemberData(nameof(RefusedFields))]
    public async Task ChatCompletions_UnsupportedFieldOrSchema_BadRequestNamingIt(string extra, string param)
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        var body = new Dictionary<string, object> { ["model"] = ToolModels.Qwen, ["messages"] = Messages, ["max_tokens"] = 4 };
        foreach (var field in JsonDocument.Parse(extra).RootElement.EnumerateObject())
            body[field.Name] = field.Value.Clone();

        var error = await ErrorAsync(client, body);

        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(param.Split('.')[^1].Split('[')[0], error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(await factory.UsageEventsAsync(userId));
    }

    [Fact]
    public async Task ChatCompletions_ToolsOnModelWithoutToolFormat_BadRequestNamingTools()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();

        var error = await ErrorAsync(client, new { model = ApiPortalFactory.ChatModel, messages = Messages, tools = new[] { WeatherToolJson } });

        Assert.Equal("tools", error.GetProperty("param").GetString());
        Assert.Contains("tool-call format", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletions_ParallelToolCallsFalse_RequiredAnswersWithOneCall_NotABooleanIsA400NamingIt()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();

        var response = await client.PostAsync("/v1/chat/completions", ChatCompletionsApiTests.Json(new
        {
            model = ToolModels.Qwen, messages = Messages, max_tokens = 300, seed = 5, tools = new[] { WeatherToolJson }, tool_choice = "required", parallel_tool_calls = false,
        }));
        var error = await ErrorAsync(client, new { model = ToolModels.Qwen, messages = Messages, max_tokens = 4, parallel_tool_calls = "no" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var choice = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        Assert.Single(choice.GetProperty("message").GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("parallel_tool_calls", error.GetProperty("param").GetString());
        Assert.Contains("parallel_tool_calls", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void KeptToolCalls_ParallelFalse_KeepsTheFirstOfSeveralParsedCalls()
    {
        const string twoCalls = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rom\", \"unit\": \"C\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>";
        var calls = PromptLeo.Inference.Llm.Tools.ToolCallFormat.Detect(RealChatTemplates.Qwen25, thinks: false)!.Parse(twoCalls, [ToolCallFormatTests.Weather, ToolCallFormatTests.Time]).Calls;

        Assert.Equal(["get_weather", "get_time"], PromptLeo.Web.Features.Api.ChatCompletionsEndpoint.KeptToolCalls(calls, parallel: true).Select(c => c.Name));
        Assert.Equal(["get_weather"], PromptLeo.Web.Features.Api.ChatCompletionsEndpoint.KeptToolCalls(calls, parallel: false).Select(c => c.Name));
    }
}
