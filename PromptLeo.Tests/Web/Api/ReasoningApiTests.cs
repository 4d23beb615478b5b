using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Api;

/// <summary>
/// /v1/chat/completions with a thinking model (the scripted Qwen3 GGUF through the real engine): reasoning stays out of
/// content unless include_reasoning asks for it, is billed as output and reported as reasoning_tokens.
/// </summary>
public sealed class ReasoningApiTests(ThinkingPortalFactory factory) : IClassFixture<ThinkingPortalFactory>
{
    private ChatClient Chat(string secret) => new OpenAIClient(new ApiKeyCredential(secret), new OpenAIClientOptions
    {
        Endpoint = new Uri(factory.Server.BaseAddress, "/v1"),
        Transport = new HttpClientPipelineTransport(factory.CreateClient()),
    }).GetChatClient(ThinkingModels.Id);

    private static StringContent Body(bool stream = false, bool? includeReasoning = null, object? kwargs = null, int maxTokens = 32)
    {
        var body = new Dictionary<string, object>
        {
            ["model"] = ThinkingModels.Id,
            ["max_tokens"] = maxTokens,
            ["messages"] = new[] { new { role = "user", content = "What matters?" } },
            ["stream"] = stream,
            ["stream_options"] = new { include_usage = true },
        };
        if (includeReasoning is { } include)
            body["include_reasoning"] = include;
        if (kwargs is not null)
            body["chat_template_kwargs"] = kwargs;
        return ChatCompletionsApiTests.Json(body);
    }

    // The data payloads of an SSE body, without [DONE].
    private static List<JsonElement> Chunks(string sse) =>
        [.. sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e["data: ".Length..]).Where(d => d != "[DONE]").Select(d => JsonDocument.Parse(d).RootElement.Clone())];

    private static string Deltas(List<JsonElement> chunks, string field) => string.Concat(chunks
        .Where(c => c.GetProperty("choices").GetArrayLength() > 0)
        .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
        .Select(d => d.TryGetProperty(field, out var v) ? v.GetString() : ""));

    [Fact]
    public async Task OpenAiClient_ThinkingModel_ContentWithoutThinkingAndReasoningBilledAsOutput()
    {
        var (_, userId, key) = await factory.CreateApiClientAsync();

        ClientResult<ChatCompletion> result = await Chat(key.Secret).CompleteChatAsync([new UserChatMessage("What matters?")]);

        var completion = result.Value;
        Assert.Equal(ThinkingModels.Answer, Assert.Single(completion.Content).Text);
        Assert.Equal(ThinkingModels.CompletionTokens, completion.Usage.OutputTokenCount);
        Assert.Equal(ThinkingModels.ReasoningTokens, completion.Usage.OutputTokenDetails.ReasoningTokenCount);
        Assert.DoesNotContain("reasoning_content", result.GetRawResponse().Content.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("privacy", result.GetRawResponse().Content.ToString(), StringComparison.Ordinal);
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal(ThinkingModels.CompletionTokens, usage.OutputTokens);
    }

    [Fact]
    public async Task OpenAiClient_ThinkingModelLogProbs_AnswerTokensOnly()
    {
        var (_, _, key) = await factory.CreateApiClientAsync();

        ChatCompletion completion = await Chat(key.Secret).CompleteChatAsync([new UserChatMessage("What matters?")], new ChatCompletionOptions { IncludeLogProbabilities = true, TopLogProbabilityCount = 2 });

        var entries = completion.ContentTokenLogProbabilities;
        Assert.Equal(ThinkingModels.CompletionTokens - ThinkingModels.ReasoningTokens, entries.Count);
        var spelled = Encoding.UTF8.GetString([.. entries.SelectMany(e => e.Utf8Bytes!.Value.ToArray())]);
        // The whitespace between the think block and the answer is sampled but not part of the content.
        Assert.Equal(ThinkingModels.Answer, spelled.Trim());
        Assert.DoesNotContain("privacy", spelled, StringComparison.Ordinal);
        Assert.All(entries, e => Assert.True(e.LogProbability <= 0));
    }

    [Fact]
    public async Task NonStream_IncludeReasoning_ReturnsReasoningContent()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();

        var response = await client.PostAsync("/v1/chat/completions", Body(includeReasoning: true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var message = doc.RootElement.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal(ThinkingModels.Answer, message.GetProperty("content").GetString());
        Assert.Equal(ThinkingModels.Reasoning, message.GetProperty("reasoning_content").GetString());
        var usage = doc.RootElement.GetProperty("usage");
        Assert.Equal(ThinkingModels.CompletionTokens, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(ThinkingModels.ReasoningTokens, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
    }

    [Fact]
    public async Task Stream_IncludeReasoning_StreamsReasoningDeltasBeforeContent()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();

        var response = await client.PostAsync("/v1/chat/completions", Body(stream: true, includeReasoning: true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var chunks = Chunks(await response.Content.ReadAsStringAsync());
        Assert.Equal(ThinkingModels.Reasoning, Deltas(chunks, "reasoning_content"));
        Assert.Equal(ThinkingModels.Answer, Deltas(chunks, "content"));
        var deltas = chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0).Select(c => c.GetProperty("choices")[0].GetProperty("delta")).ToList();
        Assert.True(deltas.FindLastIndex(d => d.TryGetProperty("reasoning_content", out _)) < deltas.FindIndex(d => d.TryGetProperty("content", out var c) && c.GetString()!.Length > 0));
        var usage = chunks[^1].GetProperty("usage");
        Assert.Equal(ThinkingModels.ReasoningTokens, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        Assert.Equal(ThinkingModels.CompletionTokens, Assert.Single(await factory.UsageEventsAsync(userId)).OutputTokens);
    }

    [Fact]
    public async Task OpenAiClientStream_Default_NoReasoningButReasoningTokens()
    {
        var (_, _, key) = await factory.CreateApiClientAsync();
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;

        await foreach (var update in Chat(key.Secret).CompleteChatStreamingAsync([new UserChatMessage("What matters?")]))
        {
            foreach (var part in update.ContentUpdate)
                text.Append(part.Text);
            usage ??= update.Usage;
        }

        Assert.Equal(ThinkingModels.Answer, text.ToString());
        Assert.NotNull(usage);
        Assert.Equal(ThinkingModels.ReasoningTokens, usage.OutputTokenDetails.ReasoningTokenCount);
    }

    [Fact]
    public async Task Stream_Default_SendsNoReasoning()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();

        var body = await (await client.PostAsync("/v1/chat/completions", Body(stream: true))).Content.ReadAsStringAsync();

        Assert.DoesNotContain("reasoning_content", body, StringComparison.Ordinal);
        Assert.DoesNotContain("privacy", body, StringComparison.Ordinal);
        Assert.Equal(ThinkingModels.Answer, Deltas(Chunks(body), "content"));
    }

    [Fact]
    public async Task NonStream_EnableThinkingFalse_AnswersWithoutReasoning()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();

        var response = await client.PostAsync("/v1/chat/completions", Body(includeReasoning: true, kwargs: new { enable_thinking = false, other_template_switch = 1 }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var message = doc.RootElement.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal(ThinkingModels.Answer, message.GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("reasoning_content").ValueKind);
        Assert.Equal(0, doc.RootElement.GetProperty("usage").GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        Assert.Equal(2, Assert.Single(await factory.UsageEventsAsync(userId)).OutputTokens);
    }

    [Fact]
    public async Task NonStream_MaxTokensReachedWhileThinking_CutsOffWithReasoningOnly()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();

        var response = await client.PostAsync("/v1/chat/completions", Body(includeReasoning: true, maxTokens: 3));

        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var choice = doc.RootElement.GetProperty("choices")[0];
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal("", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(ThinkingModels.Reasoning, choice.GetProperty("message").GetProperty("reasoning_content").GetString());
        Assert.Equal(3, doc.RootElement.GetProperty("usage").GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        Assert.Equal(3, Assert.Single(await factory.UsageEventsAsync(userId)).OutputTokens);
    }

    [Fact]
    public async Task NonStream_StopSequenceInsideReasoning_EndsThere()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var json = "{\"model\":\"" + ThinkingModels.Id + "\",\"include_reasoning\":true,\"stop\":\"data\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        var response = await client.PostAsync("/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"));

        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var choice = doc.RootElement.GetProperty("choices")[0];
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal("privacy", choice.GetProperty("message").GetProperty("reasoning_content").GetString());
        Assert.Equal("", choice.GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task Request_ModelWithUnknownTemplate_Is503_ModelFailedWithReasonAndLeavesThePicker()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();

        var response = await client.PostAsync("/v1/chat/completions", ChatCompletionsApiTests.Json(new
        {
            model = ThinkingPortalFactory.UnknownTemplateModel,
            messages = new[] { new { role = "user", content = "hi" } },
        }));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("model_unavailable", doc.RootElement.GetProperty("error").GetProperty("code").GetString());
        // The reason is for the operator (admin page), not the API caller.
        var status = factory.Services.GetRequiredService<PromptLeo.Inference.Models.IModelRegistry>().Get(ThinkingPortalFactory.UnknownTemplateModel)!;
        Assert.Equal(PromptLeo.Inference.Models.ModelState.Failed, status.State);
        Assert.Contains("does not recognise the model's chat template", status.Error);
        Assert.Empty(await factory.UsageEventsAsync(userId));
        var picker = factory.Services.GetRequiredService<PromptLeo.Web.Features.Chat.ChatService>().AvailableModels();
        Assert.DoesNotContain(picker, m => m.Id == ThinkingPortalFactory.UnknownTemplateModel);
        Assert.Contains(picker, m => m.Id == ThinkingModels.Id);
    }

    [Theory]
    [InlineData("{\"include_reasoning\":\"yes\"}", "include_reasoning")]
    [InlineData("{\"chat_template_kwargs\":true}", "chat_template_kwargs")]
    [InlineData("{\"chat_template_kwargs\":{\"enable_thinking\":\"no\"}}", "chat_template_kwargs.enable_thinking")]
    public async Task Request_ReasoningFieldOfWrongType_Is400NamingIt(string extra, string param)
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        var json = "{\"model\":\"" + ThinkingModels.Id + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + extra[1..];

        var response = await client.PostAsync("/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, doc.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Empty(await factory.UsageEventsAsync(userId));
    }
}
