using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Api;

/// <summary>
/// logprobs and top_logprobs on /v1/chat/completions through the official OpenAI .NET client, against the demo chat
/// model in the real engine: one entry per completion token, in JSON and in the stream, consistent with the alternatives.
/// </summary>
public sealed class LogProbsApiTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private const int TopCount = 5;

    private ChatClient Chat(string secret) => new OpenAIClient(new ApiKeyCredential(secret), new OpenAIClientOptions
    {
        Endpoint = new Uri(factory.Server.BaseAddress, "/v1"),
        Transport = new HttpClientPipelineTransport(factory.CreateClient()),
    }).GetChatClient(ApiPortalFactory.ChatModel);

    private static ChatCompletionOptions Options(float? temperature = null) => new()
    {
        IncludeLogProbabilities = true,
        TopLogProbabilityCount = TopCount,
        MaxOutputTokenCount = 16,
        Temperature = temperature,
    };

    // Every entry: a log probability, its bytes spelling its token, alternatives sorted most likely first, and the
    // sampled token's own value among them where it is one of them.
    private static void AssertConsistent(ChatTokenLogProbabilityDetails entry)
    {
        Assert.True(entry.LogProbability <= 0, $"{entry.LogProbability}");
        Assert.Equal(TopCount, entry.TopLogProbabilities.Count);
        Assert.All(entry.TopLogProbabilities, a => Assert.True(a.LogProbability <= 0));
        var values = entry.TopLogProbabilities.Select(a => a.LogProbability).ToList();
        Assert.Equal(values.OrderByDescending(v => v), values);
        Assert.True(entry.LogProbability <= values[0] + 1e-5f);
        // A token ranked within the list is in it. Matched by bytes and value: tokens holding part of a character all read as
        // U+FFFD, and a vocabulary may spell the same bytes with two tokens (a piece and its byte-fallback twin).
        if (entry.LogProbability >= values[^1] + 1e-5f)
            Assert.Contains(entry.TopLogProbabilities, a => a.Utf8Bytes!.Value.Span.SequenceEqual(entry.Utf8Bytes!.Value.Span) && Math.Abs(a.LogProbability - entry.LogProbability) < 1e-5f);
        Assert.NotNull(entry.Utf8Bytes);
        if (Encoding.UTF8.GetString(entry.Utf8Bytes!.Value.Span) is var decoded && !decoded.Contains('\uFFFD'))
            Assert.Equal(decoded, entry.Token);
        // Alternatives together cannot hold more than all of the probability.
        Assert.True(entry.TopLogProbabilities.Sum(a => Math.Exp(a.LogProbability)) <= 1 + 1e-4);
    }

    // The entries' bytes spell the content; only a character left incomplete by the last token is not in the content.
    private static void AssertSpells(string content, IEnumerable<ChatTokenLogProbabilityDetails> entries)
    {
        var spelled = Encoding.UTF8.GetString([.. entries.SelectMany(e => e.Utf8Bytes!.Value.ToArray())]);
        Assert.True(spelled.StartsWith(content, StringComparison.Ordinal), $"{JsonSerializer.Serialize(content)} vs {JsonSerializer.Serialize(spelled)}");
        Assert.All(spelled[content.Length..], c => Assert.Equal('\uFFFD', c));
    }

    [Fact]
    public async Task OpenAiClient_LogProbs_OneConsistentEntryPerCompletionToken()
    {
        var (_, userId, key) = await factory.CreateApiClientAsync();

        ChatCompletion completion = await Chat(key.Secret).CompleteChatAsync([new UserChatMessage("Tell me a story")], Options());

        Assert.Equal(completion.Usage.OutputTokenCount, completion.ContentTokenLogProbabilities.Count);
        Assert.All(completion.ContentTokenLogProbabilities, AssertConsistent);
        AssertSpells(completion.Content[0].Text, completion.ContentTokenLogProbabilities);
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal(completion.Usage.OutputTokenCount, usage.OutputTokens);
    }

    [Fact]
    public async Task OpenAiClient_Streaming_EachChunkCarriesTheTokensOfItsDelta()
    {
        var (_, _, key) = await factory.CreateApiClientAsync();
        var entries = new List<ChatTokenLogProbabilityDetails>();
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;

        await foreach (var update in Chat(key.Secret).CompleteChatStreamingAsync([new UserChatMessage("Tell me a story")], Options()))
        {
            var delta = string.Concat(update.ContentUpdate.Select(p => p.Text));
            text.Append(delta);
            if (delta.Length > 0)
                Assert.NotEmpty(update.ContentTokenLogProbabilities);
            entries.AddRange(update.ContentTokenLogProbabilities);
            usage ??= update.Usage;
        }

        Assert.NotNull(usage);
        Assert.Equal(usage.OutputTokenCount, entries.Count);
        Assert.All(entries, AssertConsistent);
        AssertSpells(text.ToString(), entries);
    }

    [Fact]
    public async Task OpenAiClient_GreedySampling_SampledTokenIsTheMostLikely()
    {
        var (_, _, key) = await factory.CreateApiClientAsync();

        ChatCompletion completion = await Chat(key.Secret).CompleteChatAsync([new UserChatMessage("Tell me a story")], Options(temperature: 0));

        Assert.NotEmpty(completion.ContentTokenLogProbabilities);
        Assert.All(completion.ContentTokenLogProbabilities, entry =>
        {
            Assert.Equal(entry.TopLogProbabilities[0].Utf8Bytes!.Value.ToArray(), entry.Utf8Bytes!.Value.ToArray());
            Assert.Equal(entry.TopLogProbabilities[0].LogProbability, entry.LogProbability, 5);
        });
    }

    [Fact]
    public async Task OpenAiClient_JsonMode_EntriesSpellTheGrammarConstrainedAnswer()
    {
        var (_, _, key) = await factory.CreateApiClientAsync();
        var options = Options();
        options.ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat();
        options.MaxOutputTokenCount = 40;

        ChatCompletion completion = await Chat(key.Secret).CompleteChatAsync([new UserChatMessage("Reply in JSON")], options);

        Assert.Equal(completion.Usage.OutputTokenCount, completion.ContentTokenLogProbabilities.Count);
        AssertSpells(completion.Content[0].Text, completion.ContentTokenLogProbabilities);
        Assert.StartsWith("{", completion.Content[0].Text, StringComparison.Ordinal);
        Assert.All(completion.ContentTokenLogProbabilities, AssertConsistent);
    }

    [Fact]
    public async Task OpenAiClient_WithoutLogProbs_LogprobsNull()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();

        var response = await client.PostAsync("/v1/chat/completions", ChatCompletionsApiTests.Json(new
        {
            model = ApiPortalFactory.ChatModel,
            max_tokens = 4,
            messages = new[] { new { role = "user", content = "hi" } },
            logprobs = false,
            top_logprobs = 0,
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var choice = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0];
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
    }

    [Theory]
    [InlineData(null, 3, "requires 'logprobs'")]
    [InlineData(false, 3, "requires 'logprobs'")]
    [InlineData(true, 21, "between 0 and 20")]
    [InlineData(true, -1, "between 0 and 20")]
    public async Task ChatCompletions_BadTopLogprobs_BadRequestNamingTopLogprobs(bool? logprobs, int topLogprobs, string message)
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        var body = new Dictionary<string, object>
        {
            ["model"] = ApiPortalFactory.ChatModel,
            ["max_tokens"] = 4,
            ["messages"] = new[] { new { role = "user", content = "hi" } },
            ["top_logprobs"] = topLogprobs,
        };
        if (logprobs is { } include)
            body["logprobs"] = include;

        var response = await client.PostAsync("/v1/chat/completions", ChatCompletionsApiTests.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("top_logprobs", error.GetProperty("param").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(await factory.UsageEventsAsync(userId));
    }
}
