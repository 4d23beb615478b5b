using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Chat;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Tests.Web.Chat;

/// <summary>The chat service against the real portal, database and demo GGUF model (random weights: behaviour, not text).</summary>
public abstract class ChatServiceTests<TPortal>(TPortal factory) : IClassFixture<TPortal>
    where TPortal : PortalFactory
{
    private const string Model = DemoModelInstaller.DemoChatModelId;

    private ChatService Chat => factory.Services.GetRequiredService<ChatService>();

    private ConversationStore Store => factory.Services.GetRequiredService<ConversationStore>();

    private static ChatSettings Settings(int maxTokens = 12) => new() { ModelId = Model, MaxTokens = maxTokens, Temperature = 0.7f, Seed = 5 };

    internal static async Task<string> CreateUserAsync(PortalFactory factory, int? chatRetentionDays = null, string? idPrefix = null)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var email = $"chat-{Guid.NewGuid():N}@promptleo.test";
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, ChatRetentionDays = chatRetentionDays };
        if (idPrefix is not null)
        {
            user.Id = idPrefix + "-" + user.Id;
        }
        Assert.True((await users.CreateAsync(user, "Chat-Passw0rd!")).Succeeded);
        return user.Id;
    }

    internal static async Task<ChatTurnResult> RunAsync(ChatService chat, ChatTurnRequest request, int cancelAfterTokens = 0)
    {
        using var cts = new CancellationTokenSource();
        var turn = await chat.StartTurnAsync(request, cts.Token);
        await foreach (var update in turn.ReadUpdatesAsync())
        {
            if (cancelAfterTokens > 0 && update.CompletionTokens >= cancelAfterTokens && !cts.IsCancellationRequested)
            {
                await cts.CancelAsync();
            }
        }
        return await turn.Completion;
    }

    private async Task<AppDbContext> DbAsync() =>
        await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    [Fact]
    public async Task Send_StoresMessagesEncrypted_AndRecordWithoutContent()
    {
        var userId = await CreateUserAsync(factory);
        const string prompt = "Quartalszahlen der Müller GmbH: 4711 Euro";

        var result = await RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings()) { Prompt = prompt });

        Assert.True(result.Stored);
        Assert.NotNull(result.ConversationId);
        Assert.True(result.PromptTokens > 0);
        Assert.True(result.CompletionTokens > 0);
        await using var db = await DbAsync();
        var rows = await db.ConversationMessages.Where(m => m.ConversationId == result.ConversationId).OrderBy(m => m.Ordinal).ToListAsync();
        Assert.Equal([ChatRoles.User, ChatRoles.Assistant], rows.Select(r => r.Role));
        Assert.All(rows, r => Assert.DoesNotContain("4711", Encoding.UTF8.GetString(r.ContentCipher)));
        Assert.DoesNotContain("Müller", Encoding.UTF8.GetString((await db.Conversations.SingleAsync(c => c.Id == result.ConversationId)).TitleCipher));
        Assert.Equal(result.CompletionTokens, rows[1].OutputTokens);

        var view = await Store.GetAsync(userId, result.ConversationId!.Value);
        Assert.Equal(prompt, view!.Messages[0].Content);
        Assert.Equal(result.AssistantText, view.Messages[1].Content);
        Assert.Contains("Müller", view.Title);

        var record = await db.ProcessingRecords.SingleAsync(r => r.RequestId == rows[1].RequestId);
        Assert.Equal(ProcessingPurpose.Chat, record.Purpose);
        Assert.Equal(userId, record.SubjectId);
        Assert.Equal(Model, record.ModelId);
        Assert.Equal("portal", record.Channel);
        var recordText = string.Join("|", record.DataCategories, record.Node, record.Region, record.Outcome, record.LegalBasis);
        Assert.DoesNotContain("4711", recordText);
    }

    [Fact]
    public async Task TemporaryChat_StoresNoMessages_OnlyTheRecord()
    {
        var userId = await CreateUserAsync(factory);

        var result = await RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings()) { Prompt = "nur temporär", Temporary = true });

        Assert.False(result.Stored);
        Assert.Null(result.ConversationId);
        Assert.True(result.CompletionTokens > 0);
        await using var db = await DbAsync();
        Assert.False(await db.Conversations.AnyAsync(c => c.UserId == userId));
        Assert.Equal(1, await db.ProcessingRecords.CountAsync(r => r.SubjectId == userId));
    }

    [Fact]
    public async Task ZeroRetentionAccount_BehavesLikeTemporaryChat()
    {
        var userId = await CreateUserAsync(factory, chatRetentionDays: 0);

        var result = await RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings()) { Prompt = "keine Speicherung" });

        Assert.False(result.Stored);
        await using var db = await DbAsync();
        Assert.False(await db.Conversations.AnyAsync(c => c.UserId == userId));
        Assert.Equal(1, await db.ProcessingRecords.CountAsync(r => r.SubjectId == userId));
    }

    [Fact]
    public async Task EditAndResend_ShowsTheNewVersion_AndKeepsTheEarlierOneWithItsLaterMessages()
    {
        var userId = await CreateUserAsync(factory);
        var first = await RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings()) { Prompt = "first question" });
        var id = first.ConversationId!.Value;
        await RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings()) { ConversationId = id, Prompt = "second question" });
        Assert.Equal(4, (await Store.GetAsync(userId, id))!.Messages.Count);

        var edited = await RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Edit, Settings()) { ConversationId = id, EditIndex = 0, Prompt = "edited question" });

        var view = (await Store.GetAsync(userId, id))!;
        Assert.Equal(2, view.Messages.Count);
        Assert.Equal("edited question", view.Messages[0].Content);
        Assert.Equal((2, 2), (view.Messages[0].VersionNumber, view.Messages[0].VersionCount));
        Assert.Equal(edited.AssistantText, view.Messages[1].Content);
        // Nothing is deleted: the earlier question and everything after it stay as the other version.
        Assert.Equal(["first question", first.AssistantText, "second question"], view.OtherVersions.Take(3).Select(m => m.Content));
        Assert.Equal(4, view.OtherVersions.Count);
        await using var db = await DbAsync();
        Assert.Equal(6, await db.ConversationMessages.CountAsync(m => m.ConversationId == id));
    }

    [Fact]
    public async Task Regenerate_AddsAnotherAnswer_AndKeepsTheEarlierOne()
    {
        var userId = await CreateUserAsync(factory);
        var first = await RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings()) { Prompt = "answer me twice" });
        var id = first.ConversationId!.Value;
        await using var db = await DbAsync();
        var firstRequest = await db.ConversationMessages.Where(m => m.ConversationId == id && m.Role == ChatRoles.Assistant).Select(m => m.RequestId).SingleAsync();

        var again = await RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Regenerate, Settings() with { Seed = 99 }) { ConversationId = id });

        var view = (await Store.GetAsync(userId, id))!;
        Assert.Equal(2, view.Messages.Count);
        Assert.Equal("answer me twice", view.Messages[0].Content);
        Assert.Equal(1, view.Messages[0].VersionCount);
        Assert.Equal(again.AssistantText, view.Messages[1].Content);
        Assert.Equal((2, 2), (view.Messages[1].VersionNumber, view.Messages[1].VersionCount));
        var earlier = Assert.Single(view.OtherVersions);
        Assert.Equal(first.AssistantText, earlier.Content);
        Assert.Equal(view.Messages[0].Id, earlier.ParentId);
        var requests = await db.ConversationMessages.Where(m => m.ConversationId == id && m.Role == ChatRoles.Assistant).Select(m => m.RequestId).ToListAsync();
        Assert.Contains(firstRequest, requests);
        Assert.Equal(2, requests.Distinct().Count());
        Assert.Equal(2, await db.ProcessingRecords.CountAsync(r => r.SubjectId == userId));
    }

    [Fact]
    public async Task TwoTabsSendAtOnce_BothTurnsAreKept()
    {
        var userId = await CreateUserAsync(factory);
        var first = await RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings()) { Prompt = "opening" });
        var id = first.ConversationId!.Value;

        // Both tabs start from the same two stored messages before either answer is saved.
        var tabA = await Chat.StartTurnAsync(new ChatTurnRequest(userId, ChatTurnKind.Send, Settings()) { ConversationId = id, Prompt = "from tab A" }, CancellationToken.None);
        var tabB = await Chat.StartTurnAsync(new ChatTurnRequest(userId, ChatTurnKind.Send, Settings()) { ConversationId = id, Prompt = "from tab B" }, CancellationToken.None);
        await Task.WhenAll(tabA.Completion, tabB.Completion);

        var view = (await Store.GetAsync(userId, id))!;
        Assert.Equal(6, view.Messages.Count);
        Assert.Contains(view.Messages, m => m.Content == "from tab A");
        Assert.Contains(view.Messages, m => m.Content == "from tab B");
    }

    [Fact]
    public async Task SaveSettings_WithoutSending_PersistsEncryptedForOwnerOnly()
    {
        var userId = await CreateUserAsync(factory);
        var other = await CreateUserAsync(factory);
        var first = await RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings()) { Prompt = "settings please" });
        var id = first.ConversationId!.Value;
        var changed = Settings() with { SystemPrompt = "Antworte immer auf Deutsch.", Temperature = 0.2f, TopP = 0.5f, MaxTokens = 64, Seed = 7 };

        Assert.False(await Store.SaveSettingsAsync(other, id, changed));
        Assert.True(await Store.SaveSettingsAsync(userId, id, changed));

        var view = (await Store.GetAsync(userId, id))!;
        Assert.Equal(changed with { ModelId = view.Settings.ModelId }, view.Settings);
        await using var db = await DbAsync();
        var row = await db.Conversations.SingleAsync(c => c.Id == id);
        Assert.DoesNotContain("Deutsch", Encoding.UTF8.GetString(row.SystemPromptCipher!));
        await Assert.ThrowsAsync<ChatInputException>(() => Store.SaveSettingsAsync(userId, id, changed with { Temperature = 9f }));
        await Assert.ThrowsAsync<ChatInputException>(() => Store.SaveSettingsAsync(userId, id, changed with { SystemPrompt = new string('x', 100_000) }));
    }

    [Fact]
    public async Task Stop_KeepsPartialAnswer_MarkedIncomplete()
    {
        var userId = await CreateUserAsync(factory);

        // Greedy decoding on the random-weight demo model runs this prompt to the 1500-token limit alone ("a long answer
        // please" hits an end token after ~300, which a loaded machine reached before the cancel landed). Batching with
        // other tests' streams can still shift it onto an end token; such a run exercised no stop, so the turn is tried
        // again (at most three times) in a new conversation.
        ChatTurnResult result = null!;
        for (var attempt = 0; attempt < 3 && result?.FinishReason is null or FinishReason.Stop; attempt++)
        {
            result = await RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings(maxTokens: 1500) with { Temperature = 0 }) { Prompt = "tell me a story" }, cancelAfterTokens: 2);
        }

        Assert.Equal(FinishReason.Cancelled, result.FinishReason);
        Assert.True(result.Incomplete);
        Assert.InRange(result.CompletionTokens, 2, 1499);
        var view = (await Store.GetAsync(userId, result.ConversationId!.Value))!;
        var answer = view.Messages[1];
        Assert.True(answer.Incomplete);
        Assert.Equal("cancelled", answer.FinishReason);
        Assert.Equal(result.AssistantText, answer.Content);
        Assert.Equal(result.CompletionTokens, answer.OutputTokens);
        await using var db = await DbAsync();
        Assert.Equal("cancelled", (await db.ProcessingRecords.Where(r => r.SubjectId == userId).ToListAsync()).OrderBy(r => r.At).Last().Outcome);
    }

    [Fact]
    public async Task AnswerIsStored_EvenWhenNobodyReadsTheStream()
    {
        var userId = await CreateUserAsync(factory);

        // The page may be gone (dropped circuit); the service still finishes and stores the answer.
        var turn = await Chat.StartTurnAsync(new ChatTurnRequest(userId, ChatTurnKind.Send, Settings()) { Prompt = "unread" });
        var result = await turn.Completion;

        Assert.True(result.Stored);
        Assert.Equal(2, (await Store.GetAsync(userId, result.ConversationId!.Value))!.Messages.Count);
    }

    [Fact]
    public async Task OtherUsersConversation_IsNotFound_AndCannotBeChangedOrContinued()
    {
        var alice = await CreateUserAsync(factory);
        var bob = await CreateUserAsync(factory);
        var result = await RunAsync(Chat, new ChatTurnRequest(alice, ChatTurnKind.Send, Settings()) { Prompt = "alice's secret" });
        var id = result.ConversationId!.Value;

        Assert.Null(await Store.GetAsync(bob, id));
        Assert.Null(await Store.GetAsync(bob, Guid.NewGuid()));
        Assert.False(await Store.RenameAsync(bob, id, "mine now"));
        Assert.False(await Store.SetPinnedAsync(bob, id, true));
        Assert.False(await Store.DeleteAsync(bob, id));
        Assert.Empty(await Store.ListAsync(bob));
        await Assert.ThrowsAsync<ChatInputException>(() =>
            Chat.StartTurnAsync(new ChatTurnRequest(bob, ChatTurnKind.Send, Settings()) { ConversationId = id, Prompt = "hi" }));
        Assert.Equal(2, (await Store.GetAsync(alice, id))!.Messages.Count);
    }

    [Fact]
    public async Task OverLongPrompt_IsRejected_AndNothingIsSentOrStored()
    {
        var userId = await CreateUserAsync(factory);
        var tooLong = new string('x', Chat.Options.MaxPromptCharacters + 1);

        var ex = await Assert.ThrowsAsync<ChatInputException>(() =>
            Chat.StartTurnAsync(new ChatTurnRequest(userId, ChatTurnKind.Send, Settings()) { Prompt = tooLong }));

        Assert.Contains("too long", ex.Message);
        await using var db = await DbAsync();
        Assert.False(await db.ProcessingRecords.AnyAsync(r => r.SubjectId == userId));
        Assert.False(await db.Conversations.AnyAsync(c => c.UserId == userId));
    }

    [Fact]
    public async Task MissingModel_ThrowsModelNotFound_AndStoresNothing()
    {
        var userId = await CreateUserAsync(factory);

        var ex = await Assert.ThrowsAsync<ModelNotFoundException>(() =>
            Chat.StartTurnAsync(new ChatTurnRequest(userId, ChatTurnKind.Send, Settings() with { ModelId = "uninstalled-model" }) { Prompt = "hello" }));

        Assert.Equal("uninstalled-model", ex.ModelId);
        await using var db = await DbAsync();
        Assert.False(await db.Conversations.AnyAsync(c => c.UserId == userId));
    }

    [Fact]
    public async Task InvalidSampling_ThrowsChatRequestExceptionWithField()
    {
        var userId = await CreateUserAsync(factory);

        var ex = await Assert.ThrowsAsync<ChatRequestException>(() =>
            Chat.StartTurnAsync(new ChatTurnRequest(userId, ChatTurnKind.Send, Settings() with { Temperature = -1f }) { Prompt = "hello" }));

        Assert.Equal("temperature", ex.Field);
    }

    [Fact]
    public async Task RestrictedAccount_ThrowsProcessingRestricted()
    {
        var userId = await CreateUserAsync(factory);
        await using (var db = await DbAsync())
        {
            await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.ProcessingRestricted, true));
        }

        await Assert.ThrowsAsync<ProcessingRestrictedException>(() =>
            Chat.StartTurnAsync(new ChatTurnRequest(userId, ChatTurnKind.Send, Settings()) { Prompt = "hello" }));
    }

    [Fact]
    public async Task List_SearchesDecryptedTitles_PinnedFirst_AndRenameDelete()
    {
        var userId = await CreateUserAsync(factory);
        var apple = (await RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings(4)) { Prompt = "Apfelkuchen Rezept" })).ConversationId!.Value;
        var bike = (await RunAsync(Chat, new ChatTurnRequest(userId, ChatTurnKind.Send, Settings(4)) { Prompt = "Fahrrad reparieren" })).ConversationId!.Value;

        Assert.Equal([apple], (await Store.ListAsync(userId, "apfel")).Select(c => c.Id));
        Assert.True(await Store.SetPinnedAsync(userId, apple, true));
        Assert.Equal([apple, bike], (await Store.ListAsync(userId)).Select(c => c.Id));
        Assert.True(await Store.RenameAsync(userId, bike, "Werkstatt"));
        Assert.Equal([bike], (await Store.ListAsync(userId, "werk")).Select(c => c.Id));
        Assert.True(await Store.DeleteAsync(userId, bike));
        Assert.Equal([apple], (await Store.ListAsync(userId)).Select(c => c.Id));
        await using var db = await DbAsync();
        Assert.False(await db.ConversationMessages.AnyAsync(m => m.ConversationId == bike));
    }

    [Fact]
    public async Task Presets_SaveListDelete_EncryptedAndOwned()
    {
        var userId = await CreateUserAsync(factory);
        var other = await CreateUserAsync(factory);

        var preset = await Store.SavePresetAsync(userId, "Übersetzer", new ChatSettings { SystemPrompt = "Translate into German.", Temperature = 0.2f, TopP = 0.9f, MaxTokens = 256 });

        var listed = Assert.Single(await Store.ListPresetsAsync(userId));
        Assert.Equal(("Übersetzer", "Translate into German.", 0.2f, 256), (listed.Name, listed.SystemPrompt, listed.Temperature, listed.MaxTokens));
        Assert.Empty(await Store.ListPresetsAsync(other));
        Assert.False(await Store.DeletePresetAsync(other, preset.Id));
        await using (var db = await DbAsync())
        {
            Assert.DoesNotContain("Translate", Encoding.UTF8.GetString((await db.ChatPresets.SingleAsync(p => p.Id == preset.Id)).SystemPromptCipher));
        }
        Assert.True(await Store.DeletePresetAsync(userId, preset.Id));
        Assert.Empty(await Store.ListPresetsAsync(userId));
    }

    [Fact]
    public void AvailableModels_OnlyHealthyChatModels_DemoFlagged()
    {
        var models = Chat.AvailableModels();
        var demo = Assert.Single(models, m => m.Id == Model);
        Assert.True(demo.IsDemo);
        var registry = factory.Services.GetRequiredService<IModelRegistry>();
        Assert.All(models, m => Assert.Equal(ModelKind.Chat, registry.Get(m.Id)!.Manifest.Kind));
    }
}

public sealed class ChatServiceTests(PortalFactory factory) : ChatServiceTests<PortalFactory>(factory);

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class ChatServicePostgresTests(PostgresPortal factory) : ChatServiceTests<PostgresPortal>(factory);
