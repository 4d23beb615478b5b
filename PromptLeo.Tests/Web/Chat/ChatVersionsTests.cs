using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Chat;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Chat;

/// <summary>Versions of messages (edit, regenerate), switching between them, titles and the early listing, on the real portal and demo model.</summary>
public sealed class ChatVersionsTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private const string Model = DemoModelInstaller.DemoChatModelId;

    private ChatService Chat => factory.Services.GetRequiredService<ChatService>();

    private ConversationStore Store => factory.Services.GetRequiredService<ConversationStore>();

    private static ChatSettings Settings => new() { ModelId = Model, MaxTokens = 8, Seed = 3 };

    private Task<ChatTurnResult> SendAsync(string userId, string prompt, Guid? conversationId = null) =>
        ChatServiceTests.RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings) { Prompt = prompt, ConversationId = conversationId });

    private Task<ChatTurnResult> EditAsync(string userId, Guid conversationId, int index, string prompt) =>
        ChatServiceTests.RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Edit, Settings) { ConversationId = conversationId, EditIndex = index, Prompt = prompt });

    private async Task<AppDbContext> DbAsync() =>
        await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    /// <summary>Two user turns, then the first one edited: version 1 has four messages, version 2 two.</summary>
    private async Task<(string UserId, Guid Id)> EditedConversationAsync()
    {
        var userId = await ChatServiceTests.CreateUserAsync(factory);
        var id = (await SendAsync(userId, "kurz")).ConversationId!.Value;
        await SendAsync(userId, "zweite Frage", id);
        await EditAsync(userId, id, 0, "eine deutlich längere bearbeitete Frage mit vielen zusätzlichen Wörtern darin");
        return (userId, id);
    }

    [Fact]
    public async Task SelectVersion_Earlier_ShowsItsBranchWithTheFollowingMessages_AndBack()
    {
        var (userId, id) = await EditedConversationAsync();
        var edited = (await Store.GetAsync(userId, id))!;
        var earlierId = edited.Messages[0].Versions![0];

        Assert.True(await Store.SelectVersionAsync(userId, id, earlierId));

        var earlier = (await Store.GetAsync(userId, id))!;
        Assert.Equal(["kurz", "zweite Frage"], earlier.Messages.Where(m => m.IsUser).Select(m => m.Content));
        Assert.Equal(4, earlier.Messages.Count);
        Assert.Equal((1, 2), (earlier.Messages[0].VersionNumber, earlier.Messages[0].VersionCount));
        Assert.Equal(2, earlier.OtherVersions.Count);

        Assert.True(await Store.SelectVersionAsync(userId, id, edited.Messages[0].Id));
        var back = (await Store.GetAsync(userId, id))!;
        Assert.Equal(edited.Messages.Select(m => m.Id), back.Messages.Select(m => m.Id));
    }

    [Fact]
    public async Task SelectVersion_OtherUsersMessage_IsRefused_AndChangesNothing()
    {
        var (userId, id) = await EditedConversationAsync();
        var view = (await Store.GetAsync(userId, id))!;
        var stranger = await ChatServiceTests.CreateUserAsync(factory);

        Assert.False(await Store.SelectVersionAsync(stranger, id, view.Messages[0].Versions![0]));

        Assert.Equal(view.Messages.Select(m => m.Id), (await Store.GetAsync(userId, id))!.Messages.Select(m => m.Id));
    }

    [Fact]
    public async Task Send_AfterSwitchingVersion_ModelSeesExactlyTheActivePath_AndTheTurnFollowsIt()
    {
        var (userId, id) = await EditedConversationAsync();
        var earlierId = (await Store.GetAsync(userId, id))!.Messages[0].Versions![0];
        Assert.True(await Store.SelectVersionAsync(userId, id, earlierId));
        var path = (await Store.GetAsync(userId, id))!.Messages;

        var next = await SendAsync(userId, "und weiter?", id);

        using var lease = await factory.Services.GetRequiredService<IModelRegistry>().AcquireAsync(Model);
        var weights = ((LlamaChatModel)lease.Model).Weights;
        var activePath = ChatPromptBuilder.Tokenize(weights, [
            .. path.Select(m => new ChatMessage(m.IsUser ? ChatRole.User : ChatRole.Assistant, m.Content)), new ChatMessage(ChatRole.User, "und weiter?")]);
        Assert.Equal(activePath.Length, next.PromptTokens);
        var after = (await Store.GetAsync(userId, id))!;
        Assert.Equal([.. path.Select(m => m.Id)], after.Messages.Take(4).Select(m => m.Id));
        Assert.Equal("und weiter?", after.Messages[4].Content);
        Assert.Equal(6, after.Messages.Count);
    }

    [Fact]
    public async Task Start_NewConversation_IsListedBeforeTheAnswerIsDone_TitledFromTheFirstWords()
    {
        var userId = await ChatServiceTests.CreateUserAsync(factory);

        var turn = await Chat.StartTurnAsync(new ChatTurnRequest(userId, ChatTurnKind.Send, Settings with { MaxTokens = 64 })
        {
            Prompt = "Bitte erkläre mir kurz die Datenschutz Grundverordnung und ihre Folgen",
        });

        var listed = Assert.Single(await Store.ListAsync(userId));
        Assert.Equal(turn.ConversationId, listed.Id);
        Assert.Equal("Bitte erkläre mir kurz die Datenschutz…", listed.Title);
        await turn.Completion;
        Assert.Equal(2, (await Store.GetAsync(userId, listed.Id))!.Messages.Count);
    }

    [Theory]
    [InlineData("  Hallo   Welt \n", "Hallo Welt")]
    [InlineData("one two three four five six seven", "one two three four five six…")]
    [InlineData("Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichenherstellungsbetrieb ist lang", "Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichenh…")]
    public void TitleFromFirstMessage_SixWordsAndSixtyCharactersAtMost(string message, string expected)
    {
        var title = ConversationTree.TitleFromFirstMessage(message, 120);

        Assert.Equal(expected, title);
        Assert.True(title.Length <= 60);
    }

    [Fact]
    public async Task Retention_ConversationWithVersions_RemovesEveryVersion()
    {
        var (userId, id) = await EditedConversationAsync();
        await using var db = await DbAsync();
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.ChatRetentionDays, 1));
        await db.Conversations.Where(c => c.Id == id).ExecuteUpdateAsync(s => s.SetProperty(c => c.UpdatedAt, DateTimeOffset.UtcNow.AddDays(-3)));
        Assert.Equal(6, await db.ConversationMessages.CountAsync(m => m.ConversationId == id));

        await new ChatRetentionParticipant().PurgeAsync(db, DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.False(await db.ConversationMessages.AnyAsync(m => m.ConversationId == id));
        Assert.False(await db.Conversations.AnyAsync(c => c.Id == id));
    }

    [Fact]
    public async Task Erase_ConversationWithVersions_RemovesEveryVersion()
    {
        var (userId, id) = await EditedConversationAsync();
        var participant = factory.Services.GetServices<IErasureParticipant>().OfType<ChatErasureParticipant>().Single();
        await using var db = await DbAsync();
        Assert.Equal(6, (await participant.CountAsync(db, userId, CancellationToken.None))["messages"]);

        await participant.EraseAsync(db, userId, "erased-user", CancellationToken.None);

        Assert.False(await db.ConversationMessages.AnyAsync(m => m.ConversationId == id));
    }

    [Fact]
    public async Task Migration_LinearConversation_BecomesOneBranch()
    {
        var path = Path.Combine(Path.GetTempPath(), $"chat-versions-{Guid.NewGuid():N}.db");
        try
        {
            await using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite($"Data Source={path};Pooling=False").Options);
            var migrations = db.Database.GetMigrations().ToList();
            var index = migrations.FindIndex(m => m.EndsWith("_ChatVersions", StringComparison.Ordinal));
            Assert.True(index > 0, "the ChatVersions migration exists and is not the first");
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync(migrations[index - 1]);
            // One connection with foreign keys off: the rows need no account for this check.
            await db.Database.OpenConnectionAsync();
            await db.Database.ExecuteSqlRawAsync("PRAGMA foreign_keys = OFF");
            Guid conversation = Guid.NewGuid(), otherConversation = Guid.NewGuid();
            Guid[] ids = [Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid()];
            await db.Database.ExecuteSqlAsync($"INSERT INTO Conversations (Id, UserId, TitleCipher, Temperature, TopP, MaxTokens, Pinned, CollectionIds, CreatedAt, UpdatedAt) VALUES ({Text(conversation)}, 'u1', X'00', 0.7, 0.95, 512, 0, '', '2026-11-01 00:00:00+00:00', '2026-11-01 00:00:00+00:00')");
            // Inserted out of order, with a gap left by an old tail delete; a second conversation's messages must not be linked in.
            foreach (var (id, ordinal, conv) in new[] { (ids[2], 4, conversation), (ids[0], 0, conversation), (ids[3], 5, conversation), (ids[1], 1, conversation), (Guid.NewGuid(), 2, otherConversation) })
            {
                var role = ordinal % 2 == 0 ? "user" : "assistant";
                await db.Database.ExecuteSqlAsync($"INSERT INTO ConversationMessages (Id, ConversationId, Ordinal, Role, ContentCipher, InputTokens, OutputTokens, Incomplete, CreatedAt) VALUES ({Text(id)}, {Text(conv)}, {ordinal}, {role}, X'00', 0, 0, 0, '2026-11-01 00:00:00+00:00')");
            }

            await migrator.MigrateAsync(migrations[index]);

            var rows = await db.ConversationMessages.AsNoTracking().Where(m => m.ConversationId == conversation).ToListAsync();
            Assert.All(rows, r => Assert.True(r.Selected));
            Assert.Equal(ids, ConversationTree.ActivePath(rows).Select(m => m.Id));
            Assert.Null(rows.Single(r => r.Id == ids[0]).ParentId);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(path);
        }
    }

    /// <summary>A GUID as EF Core stores it on SQLite.</summary>
    private static string Text(Guid id) => id.ToString().ToUpperInvariant();
}
