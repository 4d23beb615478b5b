using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Chat;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Chat;
using PromptLeo.Web.Features.Knowledge;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Knowledge;

/// <summary>Chat with knowledge collections on the real portal: the demo chat model answers, the demo embedding model embeds.</summary>
public sealed class KnowledgeChatTests(KnowledgePortal factory) : IClassFixture<KnowledgePortal>
{
    private ChatService Chat => factory.Services.GetRequiredService<ChatService>();

    private ConversationStore Store => factory.Services.GetRequiredService<ConversationStore>();

    private static ChatSettings Settings(params Guid[] collections) =>
        new() { ModelId = ApiPortalFactory.ChatModel, MaxTokens = 6, Seed = 4, CollectionIds = collections };

    private async Task<(string UserId, Guid CollectionId, string Phrase)> ManualAsync()
    {
        var userId = await factory.CreateUserAsync();
        var collection = await factory.Knowledge.CreateCollectionAsync(userId, "Anlagen");
        var phrase = $"Druckventil{Guid.NewGuid():N}"[..20];
        var document = await factory.IngestAsync(userId, collection.Id, "handbuch.pdf", TestDocuments.TextPdf(
            new TestPdfPage(new TestSection(1, "Einleitung", "Allgemeines zur Anlage.")),
            new TestPdfPage(new TestSection(1, "Wartung", $"Das {phrase} wird alle sechs Monate getauscht."))));
        Assert.Equal(KnowledgeDocumentStatus.Ready, document.Status);
        return (userId, collection.Id, phrase);
    }

    [Fact]
    public async Task Chat_WithCollection_AnswersWithCitationsOfFileAndPage_StoredEncryptedWithTheConversation()
    {
        var (userId, collectionId, phrase) = await ManualAsync();

        var result = await ChatServiceTests.RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings(collectionId)) { Prompt = $"Wann wird das {phrase} getauscht?" });

        Assert.True(result.Stored);
        var citation = Assert.Single(result.Citations!, c => c.Page == 2);
        Assert.Equal((1, "handbuch.pdf"), (result.Citations![0].Number, citation.FileName));
        var passage = await factory.Knowledge.PassageAsync(userId, citation.ChunkId);
        Assert.Contains(phrase, passage.Text);

        var conversation = await Store.GetAsync(userId, result.ConversationId!.Value);
        Assert.Equal([collectionId], conversation!.Settings.CollectionIds);
        var answer = conversation.Messages.Single(m => !m.IsUser);
        Assert.Equal(result.Citations, answer.Citations);
        Assert.Null(conversation.Messages.Single(m => m.IsUser).Citations);
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var stored = await db.ConversationMessages.SingleAsync(m => m.ConversationId == result.ConversationId && m.Role == ChatRoles.Assistant);
        Assert.True(stored.CitationsCipher!.AsSpan().IndexOf("handbuch"u8) < 0, "the citations are stored encrypted");
    }

    [Fact]
    public async Task Chat_NothingRelevant_NoCitationsAndTheModelIsToldSoInsteadOfPassages()
    {
        var (userId, collectionId, _) = await ManualAsync();
        const string prompt = "Zebra Quittung Mondlandung?";

        var plain = await ChatServiceTests.RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings()) { Prompt = prompt, Temporary = true });
        var withCollection = await ChatServiceTests.RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings(collectionId)) { Prompt = prompt, Temporary = true });

        Assert.Empty(await factory.Knowledge.SearchAsync(userId, [collectionId], prompt, 5));
        Assert.NotNull(withCollection.Citations);
        Assert.Empty(withCollection.Citations);
        Assert.Null(plain.Citations);
        // The prompt grew by the note that nothing was found, and by nothing else (no passage was sent).
        var noteTokens = withCollection.PromptTokens - plain.PromptTokens;
        Assert.True(noteTokens > 10, $"the note adds tokens ({noteTokens})");
        Assert.Contains("no relevant passage was found in the attached collections", KnowledgePrompt.Compose([]));
    }

    [Fact]
    public async Task Chat_TemporaryWithCollection_CitesButStoresNothing()
    {
        var (userId, collectionId, phrase) = await ManualAsync();

        var result = await ChatServiceTests.RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings(collectionId)) { Prompt = $"Was ist mit dem {phrase}?", Temporary = true });

        Assert.False(result.Stored);
        Assert.Contains(result.Citations!, c => c.Page == 2);
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.False(await db.Conversations.AnyAsync(c => c.UserId == userId));
    }

    [Fact]
    public async Task Chat_AnotherUsersCollection_RefusedBeforeAnythingRuns()
    {
        var (_, foreignCollection, phrase) = await ManualAsync();
        var userId = await factory.CreateUserAsync();

        var error = await Assert.ThrowsAsync<ChatInputException>(() =>
            Chat.StartTurnAsync(new ChatTurnRequest(userId, ChatTurnKind.Send, Settings(foreignCollection)) { Prompt = $"Was ist mit dem {phrase}?" }));

        Assert.Contains("not found", error.Message);
        Assert.Empty(await factory.RecordsAsync(userId));
    }

    [Fact]
    public async Task PresetsAndSettings_KeepTheUsersOwnCollectionsOnly()
    {
        var (userId, own, phrase) = await ManualAsync();
        var (_, foreign, _) = await ManualAsync();

        var preset = await Store.SavePresetAsync(userId, "Mit Handbuch", Settings(own, foreign));
        var listed = Assert.Single(await Store.ListPresetsAsync(userId));
        var turn = await ChatServiceTests.RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings(own)) { Prompt = phrase });
        Assert.True(await Store.SaveSettingsAsync(userId, turn.ConversationId!.Value, Settings(foreign)));

        Assert.Equal([own], preset.CollectionIds);
        Assert.Equal([own], listed.CollectionIds);
        Assert.Empty((await Store.GetAsync(userId, turn.ConversationId!.Value))!.Settings.CollectionIds);
        // A deleted collection drops out of the settings that named it.
        Assert.True(await Store.SaveSettingsAsync(userId, turn.ConversationId!.Value, Settings(own)));
        await factory.Knowledge.DeleteCollectionAsync(userId, own);
        Assert.Empty((await Store.GetAsync(userId, turn.ConversationId!.Value))!.Settings.CollectionIds);
        Assert.Empty(Assert.Single(await Store.ListPresetsAsync(userId)).CollectionIds!);
    }

    [Fact]
    public async Task Purge_ExpiredChats_TakesTheCitationsKeepsTheKnowledgeDocuments()
    {
        var (userId, collectionId, phrase) = await ManualAsync();
        var turn = await ChatServiceTests.RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings(collectionId)) { Prompt = phrase });
        await factory.Services.GetRequiredService<PrivacyCenter>().SetRetentionAsync(userId, chatDays: 7, imageDays: 7);

        await factory.Services.GetRequiredService<RetentionPurger>().PurgeAsync(DateTimeOffset.UtcNow.AddDays(8));

        Assert.Null(await Store.GetAsync(userId, turn.ConversationId!.Value));
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.False(await db.ConversationMessages.AnyAsync(m => m.ConversationId == turn.ConversationId));
        Assert.Equal(KnowledgeDocumentStatus.Ready, Assert.Single(await factory.Knowledge.DocumentsAsync(userId, collectionId)).Status);
        Assert.NotEmpty(await factory.Knowledge.SearchAsync(userId, [collectionId], phrase, 5));
    }
}
