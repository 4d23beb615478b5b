using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Chat;
using PromptLeo.Web.Features.Metering;

namespace PromptLeo.Tests.Web.Chat;

/// <summary>A portal whose model titles every new conversation, the demo model included (<c>Chat:ModelTitles=Always</c>).</summary>
public sealed class ModelTitlesPortal : PortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Chat:ModelTitles"] = "Always" };
}

/// <summary>Titles written by the conversation's model, on the real demo model through the metered path.</summary>
public sealed class ConversationTitlerTests(ModelTitlesPortal factory) : IClassFixture<ModelTitlesPortal>
{
    private const string Model = DemoModelInstaller.DemoChatModelId;

    private static ChatSettings Settings => new() { ModelId = Model, MaxTokens = 8, Seed = 3 };

    private async Task<AppDbContext> DbAsync() =>
        await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    [Fact]
    public async Task FirstExchange_ModelTitles_AsksTheModelThroughTheMeteredPath_AndStoresItsCleanedReply()
    {
        var userId = await ChatServiceTests.CreateUserAsync(factory);
        const string question = "Wie kündige ich einen Mietvertrag für eine Wohnung in Köln fristgerecht";

        var result = await ChatServiceTests.RunAsync(factory.Services.GetRequiredService<ChatService>(),
            new ChatTurnRequest(userId, ChatTurnKind.Send, Settings) { Prompt = question });

        await using (var db = await DbAsync())
        {
            // The answer and the title request: two metered chat requests, each with its usage event and processing record.
            var usage = await db.UsageEvents.Where(u => u.UserId == userId).OrderBy(u => u.Id).ToListAsync();
            Assert.Equal(2, usage.Count);
            Assert.All(usage, u => Assert.Equal(Model, u.ModelId));
            Assert.InRange(usage[1].OutputTokens, 1, ConversationTitler.MaxTitleTokens);
            Assert.Equal(2, await db.ProcessingRecords.CountAsync(r => r.SubjectId == userId && r.Purpose == PromptLeo.Web.Features.Records.ProcessingPurpose.Chat));
        }
        // The same request again (fixed seed, low temperature): the stored title is the model's reply, cleaned.
        var again = await factory.Services.GetRequiredService<MeteredClients>().ChatClient(new InferencePrincipal(userId)).GetResponseAsync(
            ConversationTitler.Prompt(question, result.AssistantText),
            new Microsoft.Extensions.AI.ChatOptions { ModelId = Model, MaxOutputTokens = ConversationTitler.MaxTitleTokens, Temperature = 0.2f, Seed = 1 });
        var expected = ConversationTitler.Clean(again.Text, 120) ?? ConversationTree.TitleFromFirstMessage(question, 120);
        var stored = (await factory.Services.GetRequiredService<ConversationStore>().GetAsync(userId, result.ConversationId!.Value))!;
        Assert.Equal(expected, stored.Title);
    }

    [Fact]
    public async Task TitleAsync_UserRenamedMeanwhile_KeepsTheUsersTitle()
    {
        var userId = await ChatServiceTests.CreateUserAsync(factory);
        var result = await ChatServiceTests.RunAsync(factory.Services.GetRequiredService<ChatService>(),
            new ChatTurnRequest(userId, ChatTurnKind.Send, Settings) { Prompt = "Angebot für Büromöbel vergleichen" });
        var store = factory.Services.GetRequiredService<ConversationStore>();
        var id = result.ConversationId!.Value;
        var before = (await store.GetAsync(userId, id))!.Title;
        Assert.True(await store.RenameAsync(userId, id, "Möbel 2027"));

        // A title request that finishes after the rename: it compares with the title it was meant to replace.
        var written = await factory.Services.GetRequiredService<ConversationTitler>()
            .TitleAsync(userId, id, Model, "Angebot für Büromöbel vergleichen", result.AssistantText, before, CancellationToken.None);

        Assert.Null(written);
        Assert.Equal("Möbel 2027", (await store.GetAsync(userId, id))!.Title);
    }

    [Fact]
    public async Task TitleAsync_ModelRefusesTheRequest_KeepsTheFirstWords()
    {
        var userId = await ChatServiceTests.CreateUserAsync(factory);
        var result = await ChatServiceTests.RunAsync(factory.Services.GetRequiredService<ChatService>(),
            new ChatTurnRequest(userId, ChatTurnKind.Send, Settings) { Prompt = "Urlaubsantrag für den Sommer" });
        var store = factory.Services.GetRequiredService<ConversationStore>();
        var id = result.ConversationId!.Value;
        var title = (await store.GetAsync(userId, id))!.Title;

        // The metered path refuses an unknown model before anything runs: no exception, the title stays.
        var written = await factory.Services.GetRequiredService<ConversationTitler>()
            .TitleAsync(userId, id, "no-such-model", "Urlaubsantrag für den Sommer", result.AssistantText, title, CancellationToken.None);

        Assert.Null(written);
        Assert.Equal(title, (await store.GetAsync(userId, id))!.Title);
    }

    [Fact]
    public async Task TitleAsync_AnotherUsersConversation_WritesNothing()
    {
        var owner = await ChatServiceTests.CreateUserAsync(factory);
        var result = await ChatServiceTests.RunAsync(factory.Services.GetRequiredService<ChatService>(),
            new ChatTurnRequest(owner, ChatTurnKind.Send, Settings) { Prompt = "Reisekosten abrechnen" });
        var store = factory.Services.GetRequiredService<ConversationStore>();
        var id = result.ConversationId!.Value;
        var title = (await store.GetAsync(owner, id))!.Title;
        var stranger = await ChatServiceTests.CreateUserAsync(factory);

        var written = await factory.Services.GetRequiredService<ConversationTitler>()
            .TitleAsync(stranger, id, Model, "x", "y", title, CancellationToken.None);

        Assert.Null(written);
        Assert.Equal(title, (await store.GetAsync(owner, id))!.Title);
    }

    [Theory]
    [InlineData("Title: \"Mietvertrag kündigen in Köln\".\nThe user asks…", "Mietvertrag kündigen in Köln")]
    [InlineData("## **Quarterly report summary**", "Quarterly report summary")]
    [InlineData("\n\n  Titel: „Reisekosten abrechnen“  ", "Reisekosten abrechnen")]
    [InlineData("one two three four five six seven eight nine ten", "one two three four five six seven eight")]
    [InlineData("***", null)]
    [InlineData("   \n  ", null)]
    public void Clean_ModelReply_FirstLineWithoutLabelQuotesOrMarks(string reply, string? expected) =>
        Assert.Equal(expected, ConversationTitler.Clean(reply, 120));
}

/// <summary>The default (<c>RealModels</c>): a generated demo model would only write noise, so its conversations keep the first words.</summary>
public sealed class ConversationTitlerDefaultTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task FirstExchange_DemoModelByDefault_KeepsTheFirstWords_AndAsksNothingMore()
    {
        var userId = await ChatServiceTests.CreateUserAsync(factory);
        const string question = "Bitte fasse die wichtigsten Punkte des Protokolls der letzten Sitzung zusammen";

        var result = await ChatServiceTests.RunAsync(factory.Services.GetRequiredService<ChatService>(),
            new ChatTurnRequest(userId, ChatTurnKind.Send, new ChatSettings { ModelId = DemoModelInstaller.DemoChatModelId, MaxTokens = 8, Seed = 3 }) { Prompt = question });

        Assert.False(factory.Services.GetRequiredService<ConversationTitler>().Applies(DemoModelInstaller.DemoChatModelId));
        Assert.True(factory.Services.GetRequiredService<ConversationTitler>().Applies("an-installed-or-remote-model"));
        Assert.Equal("Bitte fasse die wichtigsten Punkte des…",
            (await factory.Services.GetRequiredService<ConversationStore>().GetAsync(userId, result.ConversationId!.Value))!.Title);
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.UsageEvents.CountAsync(u => u.UserId == userId));
    }
}
