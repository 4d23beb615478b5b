using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Privacy;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Knowledge;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Knowledge;

/// <summary>Knowledge documents under their owner's document retention: counted from upload, gone with their chunks and file.</summary>
public sealed class KnowledgeRetentionTests(KnowledgePortal factory) : IClassFixture<KnowledgePortal>
{
    private PrivacyCenter Privacy => factory.Services.GetRequiredService<PrivacyCenter>();

    private IDbContextFactory<AppDbContext> Db => factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private static byte[] Note(string phrase) => TestDocuments.TextPdf(new TestPdfPage(new TestSection(1, "Wartung", $"Das {phrase} wird jährlich geprüft.")));

    private async Task<(Guid CollectionId, KnowledgeDocumentSummary Document, string Phrase)> DocumentAsync(string userId, string fileName, int uploadedDaysAgo)
    {
        var collection = (await factory.Knowledge.CollectionsAsync(userId)).FirstOrDefault() ?? await factory.Knowledge.CreateCollectionAsync(userId, "Akten");
        var phrase = $"Ventil{Guid.NewGuid():N}"[..16];
        var document = await factory.IngestAsync(userId, collection.Id, fileName, Note(phrase));
        Assert.Equal(KnowledgeDocumentStatus.Ready, document.Status);
        await using var db = await Db.CreateDbContextAsync();
        await db.KnowledgeDocuments.Where(d => d.Id == document.Id).ExecuteUpdateAsync(s => s.SetProperty(d => d.UploadedAt, DateTimeOffset.UtcNow.AddDays(-uploadedDaysAgo)));
        return (collection.Id, document, phrase);
    }

    [Fact]
    public async Task Purge_ExpiredDocuments_GoWithChunksAndFile_FreshOnesAndOtherUsersStay()
    {
        var userId = await factory.CreateUserAsync();
        var otherId = await factory.CreateUserAsync();
        var (collectionId, old, oldPhrase) = await DocumentAsync(userId, "alt.pdf", uploadedDaysAgo: 31);
        var (_, fresh, freshPhrase) = await DocumentAsync(userId, "neu.pdf", uploadedDaysAgo: 29);
        var (otherCollection, othersOld, _) = await DocumentAsync(otherId, "fremd.pdf", uploadedDaysAgo: 400);
        Assert.NotEmpty(await factory.Knowledge.SearchAsync(userId, [collectionId], oldPhrase, 5)); // an index is cached now
        await Privacy.SetRetentionAsync(userId, chatDays: null, imageDays: null, documentDays: 30);
        string storedFile;
        await using (var db = await Db.CreateDbContextAsync())
        {
            storedFile = await db.KnowledgeDocuments.Where(d => d.Id == old.Id).Select(d => d.StoredFileName).SingleAsync();
        }
        Assert.True(File.Exists(Path.Combine(factory.DataDirectory, "files", userId, storedFile)));

        var counts = await factory.Services.GetRequiredService<RetentionPurger>().PurgeAsync(DateTimeOffset.UtcNow);

        Assert.Equal(1, counts["knowledgeDocuments"]);
        Assert.Equal(["neu.pdf"], (await factory.Knowledge.DocumentsAsync(userId, collectionId)).Select(d => d.FileName));
        await using (var db = await Db.CreateDbContextAsync())
        {
            Assert.False(await db.KnowledgeChunks.AnyAsync(c => c.DocumentId == old.Id));
            Assert.True(await db.KnowledgeChunks.AnyAsync(c => c.DocumentId == fresh.Id));
            Assert.True(await db.KnowledgeChunks.AnyAsync(c => c.DocumentId == othersOld.Id));
        }
        Assert.False(File.Exists(Path.Combine(factory.DataDirectory, "files", userId, storedFile)));
        // The cached index is not used any more: the expired passage is never found again.
        Assert.Empty(await factory.Knowledge.SearchAsync(userId, [collectionId], oldPhrase, 5));
        Assert.NotEmpty(await factory.Knowledge.SearchAsync(userId, [collectionId], freshPhrase, 5));
        // Another user without a document retention keeps a 400-day-old document.
        Assert.Single(await factory.Knowledge.DocumentsAsync(otherId, otherCollection));
    }

    [Fact]
    public async Task SetRetention_DocumentDays_SavedAuditedInTheReadersLanguage_OutOfRangeRefused()
    {
        var userId = await factory.CreateUserAsync();

        await Privacy.SetRetentionAsync(userId, chatDays: 30, imageDays: null, documentDays: 90);

        await using var db = await Db.CreateDbContextAsync();
        Assert.Equal(90, await db.Users.Where(u => u.Id == userId).Select(u => u.DocumentRetentionDays).SingleAsync());
        var details = await db.AuditEntries.Where(a => a.SubjectId == userId && a.Action == AuditActions.RetentionChanged).Select(a => a.Details).SingleAsync();
        Assert.Equal("chats=30, images=forever, documents=90", details);
        Assert.Contains("Dokumente=90", Translate("de", p => AuditText.Details(p, details!)));
        Assert.Contains("documents=90", Translate("en", p => AuditText.Details(p, details!)));
        Assert.Equal(new KnowledgeStorage(90, ChatsStored: true), await factory.Knowledge.StorageAsync(userId));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Privacy.SetRetentionAsync(userId, null, null, documentDays: 0));
    }

    [Fact]
    public async Task ZeroChatRetention_StillStoresUploadedDocuments_AndSaysSo()
    {
        var userId = await factory.CreateUserAsync();
        await Privacy.SetRetentionAsync(userId, chatDays: 0, imageDays: null);

        var (collectionId, document, phrase) = await DocumentAsync(userId, "behalten.pdf", uploadedDaysAgo: 0);
        await factory.Services.GetRequiredService<RetentionPurger>().PurgeAsync(DateTimeOffset.UtcNow.AddDays(3650));

        Assert.Equal(new KnowledgeStorage(null, ChatsStored: false), await factory.Knowledge.StorageAsync(userId));
        Assert.Equal(document.Id, Assert.Single(await factory.Knowledge.DocumentsAsync(userId, collectionId)).Id);
        Assert.NotEmpty(await factory.Knowledge.SearchAsync(userId, [collectionId], phrase, 5));
    }

    private string Translate(string culture, Func<IStringLocalizer, string> text) => ActivityLogTests.Translate(factory.Services, culture, text);
}
