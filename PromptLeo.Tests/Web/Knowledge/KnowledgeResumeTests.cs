using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Knowledge;

namespace PromptLeo.Tests.Web.Knowledge;

/// <summary>Ingestion that a stopped process left unfinished is resumed by the next start.</summary>
public sealed class KnowledgeResumeTests
{
    [Fact]
    public async Task Restart_DocumentLeftProcessing_IsResumedToReadyWithItsChunks()
    {
        string userId;
        Guid collectionId, documentId;
        string dataDirectory;
        using (var first = new KnowledgePortal { KeepDataOnDispose = true })
        {
            dataDirectory = first.DataDirectory;
            userId = await first.CreateUserAsync();
            collectionId = (await first.Knowledge.CreateCollectionAsync(userId, "Neustart")).Id;
            var document = await first.IngestAsync(userId, collectionId, "neustart.txt", TestDocuments.PlainText(["Der Wiederanlauf klappt."]));
            Assert.Equal(KnowledgeDocumentStatus.Ready, document.Status);
            documentId = document.Id;
            // The state a process leaves when it dies mid-document: processing, part of the progress, no chunks yet.
            await using var db = await first.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            await db.KnowledgeChunks.Where(c => c.DocumentId == documentId).ExecuteDeleteAsync();
            await db.KnowledgeDocuments.Where(d => d.Id == documentId)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, KnowledgeDocumentState.Processing).SetProperty(d => d.Progress, 40).SetProperty(d => d.ChunkCount, 0));
        }

        using var second = new RestartedKnowledgePortal(dataDirectory);
        var resumed = await second.SettledAsync(userId, collectionId, documentId);

        Assert.Equal(KnowledgeDocumentStatus.Ready, resumed.Status);
        Assert.True(resumed.ChunkCount > 0);
        Assert.Contains(await second.Knowledge.SearchAsync(userId, [collectionId], "Wiederanlauf", 5), p => p.DocumentId == documentId);
    }
}
