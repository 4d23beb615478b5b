using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Chat;
using PromptLeo.Web.Features.RemoteInference;
using static PromptLeo.Tests.Web.Api.ChatCompletionsApiTests;

namespace PromptLeo.Tests.Cluster;

/// <summary>Two PromptLeo nodes on loopback: a backend with the demo models (FR-PAR) registered as the front node's (DE) remote endpoint.</summary>
public sealed class RemotePair : IAsyncLifetime
{
    public RemoteBackendPortal Backend { get; } = new();
    public RemoteFrontPortal Front { get; } = new();
    public string BackendUserId { get; private set; } = "";
    public string BackendKey { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Backend.Start();
        BackendUserId = await Backend.CreateUserAsync();
        BackendKey = (await Backend.CreateKeyAsync(BackendUserId)).Secret;
        var id = await Front.RegisterAsync(RemoteBackendPortal.NodeName, Backend.ApiBaseUrl, RemoteBackendPortal.Region, BackendKey, ApiPortalFactory.ChatModel, ApiPortalFactory.ImageModel);
        Assert.True(await Front.Services.GetRequiredService<RemoteEndpointAdministration>().CheckNowAsync(id), "the backend's GET /v1/models");
    }

    /// <summary>Waits until the backend has settled every request it started (a cancel settles after the client has gone).</summary>
    public Task BackendSettledAsync() => RemoteFrontPortal.EventuallyAsync(() => Backend.RecordsAsync(BackendUserId), records => records.All(r => r.Outcome != "started"));

    public OpenAIClient OpenAi(string secret) => new(new ApiKeyCredential(secret), new OpenAIClientOptions
    {
        Endpoint = new Uri(Front.Server.BaseAddress, "/v1"),
        Transport = new HttpClientPipelineTransport(Front.CreateClient()),
    });

    public async Task<UsageEvent> LatestBackendUsageAsync() => (await Backend.UsageEventsAsync(BackendUserId)).Last();

    public async Task<ProcessingRecord> LatestBackendRecordAsync() => (await Backend.RecordsAsync(BackendUserId)).OrderBy(r => r.At).Last();

    public async Task DisposeAsync()
    {
        await Front.DisposeAsync();
        await Backend.DisposeAsync();
    }
}

public sealed class RemoteInferenceNodeTests(RemotePair pair) : IClassFixture<RemotePair>
{
    private RemoteFrontPortal Front => pair.Front;

    [Fact]
    public async Task FrontNode_OpenAiClientCompleteChat_ChargesReportedUsageAndRecordsBackendNode()
    {
        var (_, userId, key) = await Front.CreateApiClientAsync();
        ChatCompletion completion = await pair.OpenAi(key.Secret).GetChatClient(ApiPortalFactory.ChatModel)
            .CompleteChatAsync([new UserChatMessage("Hello there")], new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 });

        Assert.InRange(completion.Usage.OutputTokenCount, 1, 8);
        // The backend charged its API key's account for exactly what the front charges its own user: the reported usage.
        var backendUsage = await pair.LatestBackendUsageAsync();
        var frontUsage = Assert.Single(await Front.UsageEventsAsync(userId));
        Assert.Equal(backendUsage.InputTokens, frontUsage.InputTokens);
        Assert.Equal(backendUsage.OutputTokens, frontUsage.OutputTokens);
        Assert.Equal(completion.Usage.InputTokenCount, frontUsage.InputTokens);
        Assert.Equal(completion.Usage.OutputTokenCount, frontUsage.OutputTokens);
        Assert.True(frontUsage.AmountMicros > 0);
        var record = Assert.Single(await Front.RecordsAsync(userId));
        Assert.Equal((RemoteBackendPortal.NodeName, RemoteBackendPortal.Region, "completed"), (record.Node, record.Region, record.Outcome));
        Assert.Equal(frontUsage.RequestId, record.RequestId);
        var backendRecord = await pair.LatestBackendRecordAsync();
        Assert.Equal((RemoteBackendPortal.NodeName, RemoteBackendPortal.Region, "completed"), (backendRecord.Node, backendRecord.Region, backendRecord.Outcome));
    }

    [Fact]
    public async Task FrontNode_OpenAiClientStreamChat_RelaysDeltasAndUsage()
    {
        var (_, userId, key) = await Front.CreateApiClientAsync();
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        var updates = 0;
        await foreach (var update in pair.OpenAi(key.Secret).GetChatClient(ApiPortalFactory.ChatModel)
            .CompleteChatStreamingAsync([new UserChatMessage("Tell me a story")], new ChatCompletionOptions { MaxOutputTokenCount = 12, Temperature = 0 }))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
            usage ??= update.Usage;
        }

        Assert.True(updates > 2, $"{updates} updates");
        Assert.NotEmpty(text.ToString());
        Assert.NotNull(usage);
        var frontUsage = Assert.Single(await Front.UsageEventsAsync(userId));
        Assert.Equal((usage.InputTokenCount, usage.OutputTokenCount), (frontUsage.InputTokens, frontUsage.OutputTokens));
        var backendUsage = await pair.LatestBackendUsageAsync();
        Assert.Equal((backendUsage.InputTokens, backendUsage.OutputTokens), (frontUsage.InputTokens, frontUsage.OutputTokens));
    }

    [Fact]
    public async Task FrontNode_RawStream_HeaderNamesBackendRegionAndEndsWithDone()
    {
        var (client, userId, _) = await Front.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/chat/completions", Json(new { model = ApiPortalFactory.ChatModel, stream = true, max_tokens = 6, messages = new[] { new { role = "user", content = "hi" } } }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(RemoteBackendPortal.Region, response.Headers.GetValues("X-Processing-Region").Single());
        var body = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("data: [DONE]\n\n", body);
        var record = Assert.Single(await Front.RecordsAsync(userId));
        Assert.Equal(response.Headers.GetValues("X-Request-Id").Single(), record.RequestId);
        Assert.Equal(RemoteBackendPortal.NodeName, record.Node);
    }

    [Fact]
    public async Task FrontNode_PortalChat_StreamsFromTheBackendAndStoresTheAnswer()
    {
        var userId = await Front.CreateUserAsync();
        var result = await PromptLeo.Tests.Web.Chat.ChatServiceTests.RunAsync(Front.Services.GetRequiredService<ChatService>(),
            new ChatTurnRequest(userId, ChatTurnKind.Send, new ChatSettings { ModelId = ApiPortalFactory.ChatModel, MaxTokens = 8, Temperature = 0 }) { Prompt = "Hello" });

        Assert.True(result.Stored);
        Assert.NotEmpty(result.AssistantText);
        // For the front node a remote model is a real one: after the answer it titles the new conversation, a second
        // metered request through the same backend (Chat:ModelTitles, RealModels by default).
        var usage = (await Front.UsageEventsAsync(userId)).OrderBy(u => u.At).ToList();
        Assert.Equal(2, usage.Count);
        Assert.Equal((result.PromptTokens, result.CompletionTokens), (usage[0].InputTokens, usage[0].OutputTokens));
        var backendUsage = await pair.LatestBackendUsageAsync();
        Assert.Equal((backendUsage.InputTokens, backendUsage.OutputTokens), (usage[1].InputTokens, usage[1].OutputTokens));
        var records = await Front.RecordsAsync(userId);
        Assert.Equal(2, records.Count);
        Assert.All(records, record => Assert.Equal((RemoteBackendPortal.NodeName, RemoteBackendPortal.Region, "portal"), (record.Node, record.Region, record.Channel)));
    }

    [Fact]
    public async Task FrontNode_ModelLists_OfferRemoteModels()
    {
        var (client, _, _) = await Front.CreateApiClientAsync();
        using var json = JsonDocument.Parse(await client.GetStringAsync("/v1/models"));
        var models = json.RootElement.GetProperty("data").EnumerateArray().ToDictionary(m => m.GetProperty("id").GetString()!, m => m.GetProperty("kind").GetString());

        Assert.Equal("chat", models[ApiPortalFactory.ChatModel]);
        Assert.Equal("image", models[ApiPortalFactory.ImageModel]);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/models/" + ApiPortalFactory.ChatModel)).StatusCode);
        Assert.Contains(Front.Services.GetRequiredService<ChatService>().AvailableModels(), m => m.Id == ApiPortalFactory.ChatModel);
    }

    [Fact]
    public async Task FrontNode_ClientDisconnectMidStream_CancelsTheBackendRequest()
    {
        var (client, userId, _) = await Front.CreateApiClientAsync();
        var (response, cts) = await StartLongStreamAsync(client);
        await cts.CancelAsync();
        response.Dispose();

        // The abort travelled to the backend: its own record of the request ends as cancelled.
        var backendRecord = await RemoteFrontPortal.EventuallyAsync(pair.LatestBackendRecordAsync, r => r.Outcome != "started");
        Assert.Equal("cancelled", backendRecord.Outcome);
        var events = await RemoteFrontPortal.EventuallyAsync(() => Front.UsageEventsAsync(userId), e => e.Count > 0);
        // No usage was reported before the cancel: the front charges the deltas it counted.
        Assert.InRange(Assert.Single(events).OutputTokens, 3, 3999);
        Assert.Equal("cancelled", Assert.Single(await Front.RecordsAsync(userId)).Outcome);
        await pair.BackendSettledAsync();
    }

    [Fact]
    public async Task FrontNode_TwoEndpointsForOneModel_ShareTheLoadByRequestsInFlight()
    {
        var second = await Front.RegisterAsync("gpu-fra-2", pair.Backend.ApiBaseUrl, RemoteBackendPortal.Region, pair.BackendKey, ApiPortalFactory.ChatModel);
        try
        {
            var (first, firstUser, _) = await Front.CreateApiClientAsync();
            var (other, otherUser, _) = await Front.CreateApiClientAsync();
            var (firstResponse, firstCts) = await StartLongStreamAsync(first);
            var (otherResponse, otherCts) = await StartLongStreamAsync(other);

            var nodes = new[] { Assert.Single(await Front.RecordsAsync(firstUser)).Node, Assert.Single(await Front.RecordsAsync(otherUser)).Node };
            Assert.Equal(["gpu-fra-1", "gpu-fra-2"], nodes.Order());
            Assert.Equal(1, (await Front.EndpointAsync("gpu-fra-1")).InFlight);
            Assert.Equal(1, (await Front.EndpointAsync("gpu-fra-2")).InFlight);
            await firstCts.CancelAsync();
            await otherCts.CancelAsync();
            firstResponse.Dispose();
            otherResponse.Dispose();
            var idle = await RemoteFrontPortal.EventuallyAsync(() => Front.EndpointAsync("gpu-fra-2"), r => r.InFlight == 0);
            Assert.Equal(0, idle.InFlight);
            await pair.BackendSettledAsync();
        }
        finally
        {
            await Front.Services.GetRequiredService<RemoteEndpointAdministration>().RemoveAsync(second, "test-admin");
        }
    }

    [Fact]
    public async Task FrontNode_ImageGeneration_RunsOnTheBackendAndIsBilledOnTheFront()
    {
        var (client, userId, _) = await Front.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/images/generations", Json(new { model = ApiPortalFactory.ImageModel, prompt = "a cat", n = 2, size = "64x64", steps = 3, seed = 42, scheduler = "ddim" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(RemoteBackendPortal.Region, response.Headers.GetValues("X-Processing-Region").Single());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var images = json.RootElement.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("b64_json").GetBytesFromBase64()).ToList();
        Assert.Equal(2, images.Count);
        Assert.All(images, png => Assert.Equal((64, 64), (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)))));
        var usage = Assert.Single(await Front.UsageEventsAsync(userId));
        Assert.Equal((2, 64, 64, 3), (usage.ImageCount, usage.Width, usage.Height, usage.Steps));
        var backendUsage = await pair.LatestBackendUsageAsync();
        Assert.Equal((2, 64, 64, 3), (backendUsage.ImageCount, backendUsage.Width, backendUsage.Height, backendUsage.Steps));
        var record = Assert.Single(await Front.RecordsAsync(userId));
        Assert.Equal((RemoteBackendPortal.NodeName, RemoteBackendPortal.Region, "image-generation"), (record.Node, record.Region, record.Purpose));
    }

    [Fact]
    public async Task FrontNode_RemoteImageWithoutSteps_Answers400BeforeBilling()
    {
        var (client, userId, _) = await Front.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/images/generations", Json(new { model = ApiPortalFactory.ImageModel, prompt = "a cat" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("steps", error.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.StartsWith("'steps' is required", error.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Empty(await Front.RecordsAsync(userId));
    }

    [Theory]
    [InlineData("US")]
    [InlineData("CH")]
    [InlineData("US-EAST")]
    public async Task Register_RegionOffTheAllowlist_IsRefusedWithRegionError(string region)
    {
        var error = await Assert.ThrowsAsync<RemoteEndpointInvalidException>(() =>
            Front.RegisterAsync("outside-" + region.ToLowerInvariant(), "https://gpu.example.com/v1", region, "secret", "some-model"));
        Assert.Equal("region", error.Field);
        Assert.Contains("allowlist", error.Message);
    }

    [Fact]
    public async Task Register_Credential_IsStoredEncryptedAndUsableByTheRouter()
    {
        var secret = "sk-remote-" + Guid.NewGuid().ToString("N");
        var id = await Front.RegisterAsync("encrypted-check", "https://gpu.example.eu/v1", "DE-FRA", secret, "encrypted-check-model");
        try
        {
            await using var db = await Front.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            var row = await db.RemoteInferenceEndpoints.AsNoTracking().SingleAsync(e => e.Id == id);
            Assert.NotNull(row.ProtectedApiKey);
            Assert.DoesNotContain(secret, row.ProtectedApiKey);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)).TrimEnd('='), row.ProtectedApiKey);
            Assert.Equal(secret, Front.Services.GetRequiredService<RemoteEndpointCatalog>().Enabled().Single(e => e.Id == id).ApiKey);
            // The form never shows the credential again, and the registration is audited.
            Assert.Null((await Front.Services.GetRequiredService<RemoteEndpointAdministration>().FormAsync(id))!.ApiKey);
            Assert.Contains(await db.AuditEntries.AsNoTracking().Where(a => a.Action == "remote-endpoint.added").Select(a => a.Details).ToListAsync(), d => d.StartsWith("encrypted-check DE-FRA"));
        }
        finally
        {
            await Front.Services.GetRequiredService<RemoteEndpointAdministration>().RemoveAsync(id, "test-admin");
        }
    }

    [Fact]
    public async Task Register_ModelInstalledOnTheNode_IsRefused()
    {
        var error = await Assert.ThrowsAsync<RemoteEndpointInvalidException>(() => pair.Backend.Services.GetRequiredService<RemoteEndpointAdministration>().SaveAsync(
            new RemoteEndpointForm { Name = "shadowing", BaseUrl = "https://gpu.example.eu/v1", Region = "DE", ChatModels = ApiPortalFactory.ChatModel }, "test-admin"));
        Assert.Equal("models", error.Field);
    }

    /// <summary>A greedy 4000-token stream (the random-weight demo model runs on), read until its fourth chunk.</summary>
    internal static async Task<(HttpResponseMessage Response, CancellationTokenSource Cts)> StartLongStreamAsync(HttpClient client)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json(new { model = ApiPortalFactory.ChatModel, stream = true, max_tokens = 4000, temperature = 0, messages = new[] { new { role = "user", content = RemoteBackendPortal.NeverEndingPromptText } } }),
        };
        var cts = new CancellationTokenSource();
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var chunks = 0;
        while (chunks < 4 && await reader.ReadLineAsync(cts.Token) is { } line)
        {
            chunks += line.StartsWith("data: {", StringComparison.Ordinal) ? 1 : 0;
        }
        Assert.Equal(4, chunks);
        return (response, cts);
    }
}
