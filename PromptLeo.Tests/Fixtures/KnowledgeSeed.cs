using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Web.Features.Knowledge;

namespace PromptLeo.Tests.Fixtures;

/// <summary>A small collection for the page walks: one ready text document and one scanned PDF that failed (no text, no OCR).</summary>
public static class KnowledgeSeed
{
    public static async Task<Guid> CreateAsync(IServiceProvider services, string userId, string name)
    {
        var knowledge = services.GetRequiredService<IKnowledgeService>();
        var collection = await knowledge.CreateCollectionAsync(userId, name);
        var ready = await knowledge.UploadAsync(userId, collection.Id, name + ".txt", new MemoryStream(TestDocuments.PlainText([name + " 4711."])));
        var scanned = await knowledge.UploadAsync(userId, collection.Id, name + ".pdf", new MemoryStream(TestDocuments.ScannedPdf(1)));
        for (var i = 0; i < 600; i++)
        {
            var documents = await knowledge.DocumentsAsync(userId, collection.Id);
            if (documents.All(d => d.Status is KnowledgeDocumentStatus.Ready or KnowledgeDocumentStatus.Failed))
            {
                Assert.Equal(KnowledgeDocumentStatus.Ready, documents.Single(d => d.Id == ready.Id).Status);
                Assert.Equal("no_text", documents.Single(d => d.Id == scanned.Id).ErrorCode);
                return collection.Id;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The walk's knowledge documents did not settle in 60 s.");
    }
}
