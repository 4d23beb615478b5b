using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Cluster;
using PromptLeo.Web.Features.Knowledge;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Tests.Web.Knowledge;

/// <summary>The knowledge service on the real portal: real extraction, the demo embedding model, the database and the encrypted files.</summary>
public sealed class KnowledgeServiceTests(KnowledgePortal factory) : IClassFixture<KnowledgePortal>
{
    private IKnowledgeService Knowledge => factory.Knowledge;

    private static string Phrase(string stem) => $"{stem}{Guid.NewGuid():N}"[..(stem.Length + 10)];

    private async Task<(string UserId, Guid CollectionId)> UserWithCollectionAsync()
    {
        var userId = await factory.CreateUserAsync();
        var collection = await Knowledge.CreateCollectionAsync(userId, "Handbücher");
        return (userId, collection.Id);
    }

    private async Task<List<Guid>> ChunkIdsAsync(string userId)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.KnowledgeChunks.Where(c => c.UserId == userId).Select(c => c.Id).ToListAsync();
    }

    [Fact]
    public async Task Upload_EachFormat_ReachesReadyWithChunksProgressAndSourcePositions()
    {
        var (userId, collectionId) = await UserWithCollectionAsync();
        var phrase = Phrase("Leuchtturm");
        var changes = new ConcurrentQueue<KnowledgeDocumentSummary>();
        Action<string, KnowledgeDocumentSummary> listener = (owner, document) =>
        {
            if (owner == userId)
            {
                changes.Enqueue(document);
            }
        };
        Knowledge.DocumentChanged += listener;
        try
        {
            var pdf = await factory.IngestAsync(userId, collectionId, "handbuch.pdf", TestDocuments.TextPdf(
                new TestPdfPage(new TestSection(1, "Einleitung", "Dieses Handbuch beschreibt die Anlage.")),
                new TestPdfPage(new TestSection(1, "Wartung", $"Der {phrase} wird jedes Jahr geprüft."))));
            var docx = await factory.IngestAsync(userId, collectionId, "richtlinie.docx", TestDocuments.Docx([new TestSection(1, "Richtlinie", $"Die Richtlinie nennt den {phrase}.")]));
            var markdown = await factory.IngestAsync(userId, collectionId, "notizen.md", TestDocuments.Markdown([new TestSection(1, "Notizen", $"Notiz zum {phrase}.")]));
            var text = await factory.IngestAsync(userId, collectionId, "liste.txt", TestDocuments.PlainText([$"Text über den {phrase}."]));
            var html = await factory.IngestAsync(userId, collectionId, "seite.html", TestDocuments.Html([new TestSection(1, "Seite", $"Eine Seite über den {phrase}.")], hidden: "Verborgen"));

            foreach (var document in new[] { pdf, docx, markdown, text, html })
            {
                Assert.True(document.Status == KnowledgeDocumentStatus.Ready, $"{document.FileName}: {document.Status} {document.ErrorCode}");
                Assert.Equal(100, document.Progress);
                Assert.True(document.ChunkCount > 0, document.FileName);
            }
            Assert.Equal(2, pdf.PageCount);

            // The page heard every step: queued, processing with progress in between, ready.
            var pdfChanges = changes.Where(c => c.Id == pdf.Id).ToList();
            Assert.Equal(KnowledgeDocumentStatus.Queued, pdfChanges[0].Status);
            Assert.Contains(pdfChanges, c => c.Status == KnowledgeDocumentStatus.Processing && c.Progress is > 0 and < 100);
            Assert.Equal((KnowledgeDocumentStatus.Ready, 100), (pdfChanges[^1].Status, pdfChanges[^1].Progress));

            var passages = await Knowledge.SearchAsync(userId, [collectionId], phrase, 10);
            Assert.Equal(5, passages.Select(p => p.DocumentId).Distinct().Count());
            var fromPdf = Assert.Single(passages, p => p.DocumentId == pdf.Id);
            Assert.Equal(("handbuch.pdf", 2), (fromPdf.FileName, fromPdf.Page));
            Assert.Contains(phrase, fromPdf.Text);
            Assert.Equal("Notizen", passages.Single(p => p.DocumentId == markdown.Id).Heading);

            // The passage view reads the same chunk.
            var passage = await Knowledge.PassageAsync(userId, fromPdf.ChunkId);
            Assert.Equal((fromPdf.Text, 2, "handbuch.pdf"), (passage.Text, passage.Page, passage.FileName));

            var summary = Assert.Single(await Knowledge.CollectionsAsync(userId));
            Assert.Equal((5, new[] { pdf, docx, markdown, text, html }.Sum(d => d.ChunkCount)), (summary.DocumentCount, summary.ChunkCount));
        }
        finally
        {
            Knowledge.DocumentChanged -= listener;
        }
    }

    [Fact]
    public async Task Upload_UnsupportedOrTooLarge_RefusedWithCodeAndNothingStored()
    {
        var (userId, collectionId) = await UserWithCollectionAsync();

        var unsupported = await Assert.ThrowsAsync<KnowledgeException>(() => Knowledge.UploadAsync(userId, collectionId, "programm.exe", new MemoryStream([1, 2, 3])));
        var tooLarge = await Assert.ThrowsAsync<KnowledgeException>(() =>
            Knowledge.UploadAsync(userId, collectionId, "gross.txt", new MemoryStream(Enumerable.Repeat((byte)'a', (int)KnowledgePortal.MaxDocumentBytes + 1).ToArray())));

        Assert.Equal(("unsupported_type", "too_large"), (unsupported.Code, tooLarge.Code));
        Assert.Empty(await Knowledge.DocumentsAsync(userId, collectionId));
        Assert.False(Directory.Exists(Path.Combine(factory.DataDirectory, "files", userId)) && Directory.EnumerateFiles(Path.Combine(factory.DataDirectory, "files", userId), "knowledge-*").Any());
    }

    [Fact]
    public async Task Upload_ScannedOrCorruptDocuments_FailWithCodeWhileTheNextDocumentStillWorks()
    {
        var (userId, collectionId) = await UserWithCollectionAsync();

        var scanned = await factory.IngestAsync(userId, collectionId, "scan.pdf", TestDocuments.ScannedPdf());
        var corruptPdf = await factory.IngestAsync(userId, collectionId, "kaputt.pdf", "%PDF-1.7 not really a PDF"u8.ToArray());
        var corruptDocx = await factory.IngestAsync(userId, collectionId, "kaputt.docx", [0x50, 0x4b, 0x03, 0x04, 9, 9, 9]);
        var fine = await factory.IngestAsync(userId, collectionId, "gut.txt", TestDocuments.PlainText(["Noch lesbar."]));

        Assert.Equal((KnowledgeDocumentStatus.Failed, "no_text"), (scanned.Status, scanned.ErrorCode));
        Assert.Equal((KnowledgeDocumentStatus.Failed, "corrupt"), (corruptPdf.Status, corruptPdf.ErrorCode));
        Assert.Equal((KnowledgeDocumentStatus.Failed, "corrupt"), (corruptDocx.Status, corruptDocx.ErrorCode));
        Assert.Equal(KnowledgeDocumentStatus.Ready, fine.Status);
        // Nothing is lost: the failed originals stay stored until the user deletes them.
        Assert.Equal(4, Directory.EnumerateFiles(Path.Combine(factory.DataDirectory, "files", userId), "knowledge-*").Count());
    }

    [Fact]
    public async Task AnotherUsersIds_BehaveAsUnknown_NotFound()
    {
        var (owner, collectionId) = await UserWithCollectionAsync();
        var document = await factory.IngestAsync(owner, collectionId, "geheim.txt", TestDocuments.PlainText(["Vertraulicher Inhalt."]));
        var chunkId = (await ChunkIdsAsync(owner))[0];
        var stranger = await factory.CreateUserAsync();

        var codes = new List<string>
        {
            (await Assert.ThrowsAsync<KnowledgeException>(() => Knowledge.DocumentsAsync(stranger, collectionId))).Code,
            (await Assert.ThrowsAsync<KnowledgeException>(() => Knowledge.UploadAsync(stranger, collectionId, "a.txt", new MemoryStream("x"u8.ToArray())))).Code,
            (await Assert.ThrowsAsync<KnowledgeException>(() => Knowledge.RenameCollectionAsync(stranger, collectionId, "Meins"))).Code,
            (await Assert.ThrowsAsync<KnowledgeException>(() => Knowledge.DeleteCollectionAsync(stranger, collectionId))).Code,
            (await Assert.ThrowsAsync<KnowledgeException>(() => Knowledge.DeleteDocumentAsync(stranger, document.Id))).Code,
            (await Assert.ThrowsAsync<KnowledgeException>(() => Knowledge.SearchAsync(stranger, [collectionId], "Vertraulicher", 5))).Code,
            (await Assert.ThrowsAsync<KnowledgeException>(() => Knowledge.PassageAsync(stranger, chunkId))).Code,
            (await Assert.ThrowsAsync<KnowledgeException>(() => Knowledge.DocumentsAsync(owner, Guid.NewGuid()))).Code,
        };

        Assert.All(codes, code => Assert.Equal("not_found", code));
        Assert.Empty(await Knowledge.CollectionsAsync(stranger));
        Assert.Single(await Knowledge.DocumentsAsync(owner, collectionId));
    }

    [Fact]
    public async Task CreateCollection_OverTheLimitOrWithoutName_Refused()
    {
        var userId = await factory.CreateUserAsync();
        for (var i = 0; i < 3; i++)
        {
            await Knowledge.CreateCollectionAsync(userId, $"Sammlung {i}");
        }

        var tooMany = await Assert.ThrowsAsync<KnowledgeException>(() => Knowledge.CreateCollectionAsync(userId, "Noch eine"));
        var other = await factory.CreateUserAsync();
        var noName = await Assert.ThrowsAsync<KnowledgeException>(() => Knowledge.CreateCollectionAsync(other, "   "));

        Assert.Equal(("too_many", "invalid_name"), (tooMany.Code, noName.Code));
        Assert.Equal(3, (await Knowledge.CollectionsAsync(userId)).Count);
    }

    [Fact]
    public async Task Search_SamePhraseInAnotherUsersCollection_NeverACandidate()
    {
        var phrase = Phrase("Kranich");
        var (alice, aliceCollection) = await UserWithCollectionAsync();
        var (bob, bobCollection) = await UserWithCollectionAsync();
        await factory.IngestAsync(alice, aliceCollection, "alice.txt", TestDocuments.PlainText([$"Der {phrase} fliegt nach Süden."]));
        await factory.IngestAsync(bob, bobCollection, "bob.txt", TestDocuments.PlainText([$"Der {phrase} fliegt nach Süden."]));
        var aliceChunks = await ChunkIdsAsync(alice);
        var bobChunks = await ChunkIdsAsync(bob);
        var buildsBefore = factory.IndexBuilder.Builds.Count;

        var found = await Knowledge.SearchAsync(alice, [aliceCollection], phrase, 10);

        Assert.NotEmpty(found);
        Assert.All(found, p => Assert.Contains(p.ChunkId, aliceChunks));
        // The index builder was handed Alice's chunks only: Bob's were never decrypted for her search.
        var handed = factory.IndexBuilder.Builds.Skip(buildsBefore).SelectMany(b => b).Select(c => c.ChunkId).ToList();
        Assert.NotEmpty(handed);
        Assert.All(handed, id => Assert.Contains(id, aliceChunks));
        Assert.DoesNotContain(handed, bobChunks.Contains);
        // Naming Bob's collection does not widen the search either.
        Assert.Equal("not_found", (await Assert.ThrowsAsync<KnowledgeException>(() => Knowledge.SearchAsync(alice, [aliceCollection, bobCollection], phrase, 10))).Code);
    }

    [Fact]
    public async Task SearchCache_RebuiltAfterDocumentChange_DroppedWhenTheUsersKeyIsDropped()
    {
        var phrase = Phrase("Sextant");
        var (userId, collectionId) = await UserWithCollectionAsync();
        await factory.IngestAsync(userId, collectionId, "eins.txt", TestDocuments.PlainText([$"Der {phrase} misst Winkel."]));
        var cache = factory.Services.GetRequiredService<KnowledgeIndexCache>();

        await Knowledge.SearchAsync(userId, [collectionId], phrase, 5);
        var builds = factory.IndexBuilder.Builds.Count;
        await Knowledge.SearchAsync(userId, [collectionId], phrase, 5);
        Assert.Equal(builds, factory.IndexBuilder.Builds.Count);
        Assert.Equal(1, cache.CountFor(userId));

        // A new document changes the collection's version: the next search sees it.
        var second = await factory.IngestAsync(userId, collectionId, "zwei.txt", TestDocuments.PlainText([$"Ein zweiter {phrase} am Mast."]));
        var found = await Knowledge.SearchAsync(userId, [collectionId], phrase, 5);
        Assert.Contains(found, p => p.DocumentId == second.Id);

        // Erasure and restriction drop the data key on every node through the bus; the decrypted index goes with it.
        await factory.Services.GetRequiredService<IClusterBus>().PublishAsync(ClusterInvalidation.ForUser(userId));
        Assert.Equal(0, cache.CountFor(userId));

        await Knowledge.DeleteDocumentAsync(userId, second.Id);
        Assert.DoesNotContain(await Knowledge.SearchAsync(userId, [collectionId], phrase, 5), p => p.DocumentId == second.Id);
    }

    [Fact]
    public async Task Storage_TextNameAndFileOfADocument_AreEncryptedEverywhereInTheDataFolder()
    {
        var phrase = Phrase("Geheimrezept");
        var fileName = $"{Phrase("Dateiname")}.md";
        var (userId, collectionId) = await UserWithCollectionAsync();
        var document = await factory.IngestAsync(userId, collectionId, fileName, TestDocuments.Markdown([new TestSection(1, $"Kapitel {phrase}", $"Das {phrase} braucht Zimt.")]));
        Assert.Equal(KnowledgeDocumentStatus.Ready, document.Status);

        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var chunk = await db.KnowledgeChunks.FirstAsync(c => c.DocumentId == document.Id);
            Assert.True(chunk.VectorCipher.Length > 64 * sizeof(float), "the vector is stored, encrypted");
        }
        DataFolderScan.AssertAbsent(factory.DataDirectory, phrase, fileName);
    }

    [Fact]
    public async Task Ingestion_EmbeddingTokens_AreMeteredBilledAndRecorded()
    {
        var (userId, collectionId) = await UserWithCollectionAsync();
        var document = await factory.IngestAsync(userId, collectionId, "preise.txt", TestDocuments.PlainText(["Embedding-Token werden berechnet.", "Auch beim Hochladen."]));
        Assert.Equal(KnowledgeDocumentStatus.Ready, document.Status);

        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal(("embedding", "demo-embedding"), (usage.Kind, usage.ModelId));
        Assert.True(usage.InputTokens > 0);
        Assert.Equal(0, usage.OutputTokens);
        var record = Assert.Single(await factory.RecordsAsync(userId));
        Assert.Equal((ProcessingPurpose.Embedding, "completed", "portal"), (record.Purpose, record.Outcome, record.Channel));
    }

    [Fact]
    public async Task DeleteCollection_RemovesDocumentsChunksAndFiles()
    {
        var (userId, collectionId) = await UserWithCollectionAsync();
        await factory.IngestAsync(userId, collectionId, "weg.txt", TestDocuments.PlainText(["Bald gelöscht."]));

        await Knowledge.DeleteCollectionAsync(userId, collectionId);

        Assert.Empty(await Knowledge.CollectionsAsync(userId));
        Assert.Empty(await ChunkIdsAsync(userId));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(factory.DataDirectory, "files", userId), "knowledge-*"));
    }

    [Fact]
    public async Task Export_IncludesCollectionsOriginalFilesAndChunkTextsWithPages()
    {
        var (client, _, userId) = await factory.SignedInClientAsync();
        var collection = await Knowledge.CreateCollectionAsync(userId, "Export-Sammlung");
        var phrase = Phrase("Ausfuhr");
        var original = TestDocuments.TextPdf(new TestPdfPage(new TestSection(1, "Start", "Erste Seite.")), new TestPdfPage(new TestSection(1, "Ziel", $"Der {phrase} steht hier.")));
        var document = await factory.IngestAsync(userId, collection.Id, "bericht.pdf", original);

        using var zip = await ExportDownload.CompletedZipAsync(factory, client, userId);

        using var file = new MemoryStream();
        await zip.GetEntry($"knowledge/files/{document.Id:N}.pdf")!.Open().CopyToAsync(file);
        Assert.Equal(original, file.ToArray());
        var json = System.Text.Json.JsonDocument.Parse(new StreamReader(zip.GetEntry("knowledge/collections.json")!.Open()).ReadToEnd()).RootElement;
        var exported = json[0];
        Assert.Equal("Export-Sammlung", exported.GetProperty("name").GetString());
        var chunks = exported.GetProperty("documents")[0].GetProperty("chunks").EnumerateArray().ToList();
        Assert.Contains(chunks, c => c.GetProperty("text").GetString()!.Contains(phrase) && c.GetProperty("page").GetInt32() == 2);
        Assert.Equal("bericht.pdf", exported.GetProperty("documents")[0].GetProperty("fileName").GetString());
    }
}
