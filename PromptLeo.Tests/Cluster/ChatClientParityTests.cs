using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Metering;

namespace PromptLeo.Tests.Cluster;

/// <summary>
/// The metered path's two kinds of target as <see cref="IChatClient"/>: this node's engine and a remote PromptLeo node,
/// both on the real demo model (the remote one streams through the backend's /v1).
/// </summary>
public sealed class ChatClientParityTests(RemotePair pair) : IClassFixture<RemotePair>
{
    private static readonly ChatOptions Greedy = new() { ModelId = ApiPortalFactory.ChatModel, Temperature = 0, MaxOutputTokens = 8, Seed = 7 };

    [Fact]
    public async Task LocalAndRemoteChatClient_SameRequest_StreamTheSameKindOfUpdates()
    {
        using var local = pair.Backend.Services.GetRequiredService<IInferenceRouter>().Route(ApiPortalFactory.ChatModel);
        using var remote = pair.Front.Services.GetRequiredService<IInferenceRouter>().Route(ApiPortalFactory.ChatModel);
        Assert.False(local.IsRemote);
        Assert.True(remote.IsRemote);

        var localUpdates = await StreamAsync(local.Chat);
        var remoteUpdates = await StreamAsync(remote.Chat);

        foreach (var updates in new[] { localUpdates, remoteUpdates })
        {
            Assert.All(updates, u => Assert.Equal((ChatRole.Assistant, ApiPortalFactory.ChatModel), (u.Role!.Value, u.ModelId)));
            Assert.Single(updates.Select(u => u.ResponseId).Distinct());
            Assert.All(updates.SelectMany(u => u.Contents), c => Assert.True(c is TextContent or UsageContent, c.GetType().Name));
            Assert.Contains(updates, u => u.Contents.OfType<TextContent>().Any(t => t.Text.Length > 0));
            // Only the last update finishes the answer.
            Assert.Null(updates.SkipLast(1).FirstOrDefault(u => u.FinishReason is not null)?.FinishReason);
            Assert.Contains(updates[^1].FinishReason, new ChatFinishReason?[] { ChatFinishReason.Stop, ChatFinishReason.Length });
        }
        var localResponse = localUpdates.ToChatResponse();
        var remoteResponse = remoteUpdates.ToChatResponse();
        // Greedy decoding of the same model: the same answer, the same exact token counts (the remote's reported usage).
        Assert.Equal(localResponse.Text, remoteResponse.Text);
        Assert.Equal(localUpdates[^1].FinishReason, remoteUpdates[^1].FinishReason);
        Assert.InRange(localResponse.Usage!.OutputTokenCount!.Value, 1, 8);
        Assert.True(localResponse.Usage.InputTokenCount > 0);
        Assert.Equal((localResponse.Usage.InputTokenCount, localResponse.Usage.OutputTokenCount), (remoteResponse.Usage!.InputTokenCount, remoteResponse.Usage.OutputTokenCount));
        Assert.Equal(localResponse.Usage.InputTokenCount + localResponse.Usage.OutputTokenCount, localResponse.Usage.TotalTokenCount);
        await pair.BackendSettledAsync();
    }

    [Fact]
    public async Task MeteredChatClient_RemoteModel_RecordNamesTheBackendAndChargesTheReportedUsage()
    {
        var userId = await pair.Front.CreateUserAsync();
        var client = pair.Front.Services.GetRequiredService<MeteredClients>().ChatClient(new InferencePrincipal(userId));

        var response = await client.GetResponseAsync("Hello there", Greedy);

        var record = Assert.Single(await pair.Front.RecordsAsync(userId));
        Assert.Equal((RemoteBackendPortal.NodeName, RemoteBackendPortal.Region, "completed", "portal"), (record.Node, record.Region, record.Outcome, record.Channel));
        var usage = Assert.Single(await pair.Front.UsageEventsAsync(userId));
        Assert.Equal((record.RequestId, response.Usage!.InputTokenCount, response.Usage.OutputTokenCount), (usage.RequestId, (long?)usage.InputTokens, (long?)usage.OutputTokens));
        await pair.BackendSettledAsync();
    }

    private static async Task<List<ChatResponseUpdate>> StreamAsync(IChatClient client)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hello there")], Greedy))
        {
            updates.Add(update);
        }
        return updates;
    }
}
