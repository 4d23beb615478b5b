using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Images;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Api;

public sealed class ChatCompletionsApiTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private OpenAIClient OpenAi(string secret) => new(new ApiKeyCredential(secret), new OpenAIClientOptions
    {
        Endpoint = new Uri(factory.Server.BaseAddress, "/v1"),
        Transport = new HttpClientPipelineTransport(factory.CreateClient()),
    });

    [Fact]
    public async Task OpenAiClient_CompleteChat_ReturnsTextUsageAndRecords()
    {
        var (_, userId, key) = await factory.CreateApiClientAsync();
        var chat = OpenAi(key.Secret).GetChatClient(ApiPortalFactory.ChatModel);
        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("Hello there")], new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 });

        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.NotNull(completion.Usage);
        Assert.True(completion.Usage.InputTokenCount > 0);
        Assert.InRange(completion.Usage.OutputTokenCount, 1, 8);
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal(completion.Usage.InputTokenCount, usage.InputTokens);
        Assert.Equal(completion.Usage.OutputTokenCount, usage.OutputTokens);
        Assert.Equal(key.Key.Id, usage.ApiKeyId);
        Assert.True(usage.AmountMicros > 0);
        var record = Assert.Single(await factory.RecordsAsync(userId));
        Assert.Equal(usage.RequestId, record.RequestId);
        Assert.Equal("api", record.Channel);
        Assert.Equal("completed", record.Outcome);
    }

    [Fact]
    public async Task OpenAiClient_StreamChat_StreamsDeltasAndUsage()
    {
        var (_, userId, key) = await factory.CreateApiClientAsync();
        var chat = OpenAi(key.Secret).GetChatClient(ApiPortalFactory.ChatModel);
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        var updates = 0;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Tell me a story")], new ChatCompletionOptions { MaxOutputTokenCount = 12 }))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
            usage ??= update.Usage;
        }
        Assert.True(updates > 2);
        Assert.NotNull(usage);
        Assert.InRange(usage.OutputTokenCount, 1, 12);
        var ledger = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal(usage.OutputTokenCount, ledger.OutputTokens);
    }

    [Fact]
    public async Task RawStream_EndsWithDoneAndCarriesHeaders()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/chat/completions", Json(new { model = ApiPortalFactory.ChatModel, stream = true, max_tokens = 4, messages = new[] { new { role = "user", content = "hi" } } }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("DE", response.Headers.GetValues("X-Processing-Region").Single());
        var requestId = response.Headers.GetValues("X-Request-Id").Single();
        var body = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("data: [DONE]\n\n", body);
        Assert.Contains("\"object\":\"chat.completion.chunk\"", body);
        Assert.Equal(requestId, Assert.Single(await factory.RecordsAsync(userId)).RequestId);
    }

    [Fact]
    public async Task OpenAiClient_GenerateImage_ReturnsPng()
    {
        var (_, userId, key) = await factory.CreateApiClientAsync();
        // The SDK sends only the fields it knows; a raw request exercises the extensions below.
        var images = OpenAi(key.Secret).GetImageClient(ApiPortalFactory.ImageModel);
        GeneratedImage image = await images.GenerateImageAsync("a red fox", new ImageGenerationOptions { ResponseFormat = GeneratedImageFormat.Bytes, Size = new GeneratedImageSize(64, 64) });
        var png = image.ImageBytes.ToArray();
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal("image", usage.Kind);
        Assert.Equal(1, usage.ImageCount);
        Assert.Equal(64, usage.Width);
    }

    [Fact]
    public async Task ImageGeneration_Extensions_AreApplied()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/images/generations", Json(new { model = ApiPortalFactory.ImageModel, prompt = "a cat", n = 2, size = "64x64", steps = 3, guidance_scale = 0, seed = 42, negative_prompt = "dog", scheduler = "ddim" }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, doc.RootElement.GetProperty("data").GetArrayLength());
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal(2, usage.ImageCount);
        Assert.Equal(3, usage.Steps);
    }

    [Fact]
    public async Task BackgroundRemoval_ReturnsPngWithAlpha()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(TestImages.Gradient(48, 32)), "image", "in.png");
        var response = await client.PostAsync("/v1/images/background-removal", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var png = Convert.FromBase64String(doc.RootElement.GetProperty("data")[0].GetProperty("b64_json").GetString()!);
        Assert.Equal(0x89, png[0]);
        Assert.Equal("background-removal", Assert.Single(await factory.RecordsAsync(userId)).Purpose);
    }

    [Fact]
    public async Task Models_ListsDemoModels()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        using var doc = JsonDocument.Parse(await client.GetStringAsync("/v1/models"));
        Assert.Equal("list", doc.RootElement.GetProperty("object").GetString());
        var ids = doc.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Contains(ApiPortalFactory.ChatModel, ids);
        Assert.Contains(ApiPortalFactory.ImageModel, ids);
    }

    internal static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}
