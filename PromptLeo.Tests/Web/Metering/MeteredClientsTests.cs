using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Embeddings;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Cluster;
using PromptLeo.Web.Features.Metering;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Tests.Web.Metering;

/// <summary>The metered <see cref="IChatClient"/> and <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> for in-process callers, on the real demo models.</summary>
public sealed class MeteredClientsTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private const string EmbeddingModel = DemoEmbeddingModelWriter.DemoModelId;

    private MeteredClients Clients => factory.Services.GetRequiredService<MeteredClients>();

    [Fact]
    public async Task MeteredChatClient_InProcessCaller_WritesProcessingRecordAndUsageEvent()
    {
        var userId = await factory.CreateUserAsync();

        var response = await Clients.ChatClient(new InferencePrincipal(userId))
            .GetResponseAsync("Hello there", new ChatOptions { ModelId = ApiPortalFactory.ChatModel, MaxOutputTokens = 6, Temperature = 0 });

        Assert.NotEmpty(response.Text);
        Assert.InRange(response.Usage!.OutputTokenCount!.Value, 1, 6);
        var record = Assert.Single(await factory.RecordsAsync(userId));
        var node = factory.Services.GetRequiredService<IOptions<ClusterOptions>>().Value.NodeName;
        Assert.Equal((ProcessingPurpose.Chat, ApiPortalFactory.ChatModel, "portal", "completed", node), (record.Purpose, record.ModelId, record.Channel, record.Outcome, record.Node));
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal(record.RequestId, usage.RequestId);
        Assert.Equal((response.Usage.InputTokenCount, response.Usage.OutputTokenCount), ((long?)usage.InputTokens, (long?)usage.OutputTokens));
        Assert.True(usage.AmountMicros > 0);
    }

    [Fact]
    public async Task MeteredChatClient_CallerStopsReadingEarly_RecordsCancelledAndChargesWhatWasRead()
    {
        var userId = await factory.CreateUserAsync();
        var client = Clients.ChatClient(new InferencePrincipal(userId));
        var read = 0;

        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Tell me a long story")],
                           new ChatOptions { ModelId = ApiPortalFactory.ChatModel, MaxOutputTokens = 64, Temperature = 0 }))
        {
            if (update.Contents.OfType<TextContent>().Any() && ++read == 2)
            {
                break;
            }
        }

        var record = Assert.Single(await factory.RecordsAsync(userId));
        Assert.Equal("cancelled", record.Outcome);
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.InRange(usage.OutputTokens, 1, 63);
    }

    [Fact]
    public async Task MeteredChatClient_NoModelId_RefusedBeforeAnythingIsRecorded()
    {
        var userId = await factory.CreateUserAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => Clients.ChatClient(new InferencePrincipal(userId)).GetResponseAsync("Hello"));

        Assert.Empty(await factory.RecordsAsync(userId));
    }

    [Fact]
    public async Task MeteredEmbeddingGenerator_TwoTexts_NormalizedVectorsWithUsageRecordedAndCharged()
    {
        var userId = await factory.CreateUserAsync();

        var embeddings = await Clients.EmbeddingGenerator(new InferencePrincipal(userId))
            .GenerateAsync(["Datenschutz zuerst", "privacy first, always"], new EmbeddingGenerationOptions { ModelId = EmbeddingModel });

        Assert.Equal(2, embeddings.Count);
        Assert.All(embeddings, e => Assert.Equal(1.0, TensorPrimitives.Norm(e.Vector.Span), 4));
        Assert.All(embeddings, e => Assert.Equal(EmbeddingModel, e.ModelId));
        Assert.NotEqual(embeddings[0].Vector.ToArray(), embeddings[1].Vector.ToArray());
        Assert.True(embeddings.Usage!.InputTokenCount > 0);
        var record = Assert.Single(await factory.RecordsAsync(userId));
        Assert.Equal((ProcessingPurpose.Embedding, "completed"), (record.Purpose, record.Outcome));
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal((record.RequestId, embeddings.Usage.InputTokenCount), (usage.RequestId, (long?)usage.InputTokens));
    }

    [Fact]
    public async Task EmbeddingEngineGenerator_DefaultModel_SameVectorAndTokensAsTheEngine()
    {
        var generator = new EmbeddingEngineGenerator(factory.Services.GetRequiredService<IEmbeddingEngine>(), new EmbeddingGeneratorMetadata("test", defaultModelId: EmbeddingModel));
        var full = await generator.GenerateAsync(["one text"]);
        var engine = await factory.Services.GetRequiredService<IEmbeddingEngine>().EmbedAsync(new EmbeddingRequest(EmbeddingModel, ["one text"]));

        // The same vector and token count as the engine itself gives.
        Assert.Equal(engine.Vectors[0], full[0].Vector.ToArray());
        Assert.Equal(engine.PromptTokens, full.Usage!.InputTokenCount);
        Assert.Equal(engine.PromptTokens, full.Usage.TotalTokenCount);
        Assert.Equal(1.0, TensorPrimitives.Norm(full[0].Vector.Span), 4);
    }
}
