using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Llm;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Images;
using PromptLeo.Web.Features.Metering;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Tests.Web.Metering;

public sealed class MeteredInferenceTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private MeteredInference Metered => factory.Services.GetRequiredService<MeteredInference>();

    [Fact]
    public async Task RunAsync_WhileEngineRuns_RecordIsStarted_ThenFinishedWithUsage()
    {
        var userId = await factory.CreateUserAsync();
        var engine = factory.Services.GetRequiredService<IChatEngine>();
        var request = new MeteredRequest(new InferencePrincipal(userId), ProcessingPurpose.Chat, ApiPortalFactory.ChatModel, new UsageActual(InputTokens: 500, OutputTokens: 8));
        string? outcomeDuringInference = null;

        var tokens = await Metered.RunAsync(request, async call =>
        {
            outcomeDuringInference = Assert.Single(await factory.RecordsAsync(userId)).Outcome;
            var last = default(ChatUpdate);
            await foreach (var update in engine.StreamAsync(new ChatRequest(ApiPortalFactory.ChatModel, [new ChatMessage(ChatRole.User, "hello")], new SamplingOptions { MaxTokens = 8 }), call.CancellationToken))
            {
                last = update;
                call.Report(new UsageActual(InputTokens: update.PromptTokens, OutputTokens: update.CompletionTokens));
            }
            return (last!.PromptTokens, last.CompletionTokens);
        }, CancellationToken.None);

        Assert.Equal(ProcessingOutcome.Started, outcomeDuringInference);
        var record = Assert.Single(await factory.RecordsAsync(userId));
        Assert.Equal((ProcessingOutcome.Completed, request.RequestId), (record.Outcome, record.RequestId));
        Assert.NotNull(record.FinishedAt);
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal((tokens.PromptTokens, tokens.CompletionTokens, request.RequestId), (usage.InputTokens, usage.OutputTokens, usage.RequestId));
    }

    [Fact]
    public async Task StudioGenerate_ImageFileWriteFails_RecordFailed_NothingCharged_NoRowsOrFiles()
    {
        var userId = await factory.CreateUserAsync();
        // A file where the user's image folder belongs: writing the image fails as on a broken disk.
        var files = factory.Services.GetRequiredService<DataPaths>().Files;
        Directory.CreateDirectory(files);
        await File.WriteAllTextAsync(Path.Combine(files, userId), "in the way");
        var studio = factory.Services.GetRequiredService<ImageStudioService>();

        await Assert.ThrowsAnyAsync<IOException>(() => studio.GenerateAsync(userId,
            new StudioRequest { ModelId = ApiPortalFactory.ImageModel, Prompt = "a fox", Width = 64, Height = 64, Steps = 2 }));

        var record = Assert.Single(await factory.RecordsAsync(userId));
        Assert.Equal(ProcessingOutcome.Failed, record.Outcome);
        Assert.Empty(await factory.UsageEventsAsync(userId));
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.False(await db.GeneratedImages.AnyAsync(i => i.UserId == userId));
    }

    [Fact]
    public async Task MarkInterruptedRequests_MarksOnlyThisNodesStartedRecords()
    {
        var writer = factory.Services.GetRequiredService<ProcessingRecordWriter>();
        var subject = Guid.NewGuid().ToString();
        var mine = writer.Create(ProcessingRecordWriter.NewRequestId(), subject, ProcessingPurpose.Chat, ApiPortalFactory.ChatModel, "api", ProcessingOutcome.Started);
        var otherNode = writer.Create(ProcessingRecordWriter.NewRequestId(), subject, ProcessingPurpose.Chat, ApiPortalFactory.ChatModel, "api", ProcessingOutcome.Started);
        otherNode.Node = "another-node";
        var finished = writer.Create(ProcessingRecordWriter.NewRequestId(), subject, ProcessingPurpose.Chat, ApiPortalFactory.ChatModel, "api", ProcessingOutcome.Cancelled);
        var dbFactory = factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            db.ProcessingRecords.AddRange(mine, otherNode, finished);
            await db.SaveChangesAsync();
        }

        await factory.Services.MarkInterruptedRequestsAsync();

        var outcomes = (await factory.RecordsAsync(subject)).ToDictionary(r => r.RequestId, r => r.Outcome);
        Assert.Equal(ProcessingOutcome.Interrupted, outcomes[mine.RequestId]);
        Assert.Equal(ProcessingOutcome.Started, outcomes[otherNode.RequestId]);
        Assert.Equal(ProcessingOutcome.Cancelled, outcomes[finished.RequestId]);
    }
}
