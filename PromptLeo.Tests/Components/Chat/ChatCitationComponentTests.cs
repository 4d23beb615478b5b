using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using PromptLeo.Web.Features.Chat;
using PromptLeo.Web.Features.Knowledge;

namespace PromptLeo.Tests.Components.Chat;

/// <summary>Numbered sources under an answer, the answer's "[n]" markers, and collections in the chat settings.</summary>
public sealed class ChatCitationComponentTests : BunitContext, IAsyncLifetime
{
    private static readonly KnowledgeCitation Pdf = new(1, Guid.NewGuid(), "handbook.pdf", 2, "Backups");
    private static readonly KnowledgeCitation Docx = new(2, Guid.NewGuid(), "policy.docx", null, null);

    public ChatCitationComponentTests()
    {
        Services.AddMudServices();
        Services.AddLocalization();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    private static ChatMessageView Answer(string content, params KnowledgeCitation[] citations) =>
        new(Guid.NewGuid(), 1, ChatRoles.Assistant, content, "demo-chat", 11, 22, false, "stop", null, DateTimeOffset.UtcNow, Citations: citations);

    [Fact]
    public void ChatMessageItem_WithCitations_ListsNumberedSourcesWithFilePageAndHeading()
    {
        var cut = Render<ChatMessageItem>(p => p.Add(x => x.Message, Answer("No marker here.", Docx, Pdf)));

        Assert.Equal("Sources", cut.Find(".pl-msg-sources-title").TextContent);
        var sources = cut.FindAll(".pl-msg-sources .pl-source");
        Assert.Equal(["[1] handbook.pdf, page 2 — Backups", "[2] policy.docx"], sources.Select(s => string.Join(' ', s.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))));
        Assert.Equal("1", sources[0].GetAttribute("data-source"));
        Assert.Equal("button", sources[0].TagName.ToLowerInvariant());
        Assert.Equal("Open source 1: handbook.pdf, page 2 — Backups", sources[0].GetAttribute("aria-label"));
    }

    [Fact]
    public void ChatMessageItem_MarkersOfItsSources_BecomeButtons_OthersStayText()
    {
        var cut = Render<ChatMessageItem>(p => p.Add(x => x.Message, Answer("Nightly [1], weekly [2], never [9].", Pdf, Docx)));

        var markers = cut.FindAll(".pl-markdown button.pl-cite");
        Assert.Equal(["1", "2"], markers.Select(m => m.GetAttribute("data-cite")));
        Assert.Equal("Open source 2: policy.docx", markers[1].GetAttribute("aria-label"));
        Assert.Contains("never [9].", cut.Find(".pl-markdown").TextContent);
    }

    [Fact]
    public void ChatMessageItem_HostileAnswerAndFileName_RenderAsText()
    {
        var hostile = Pdf with { FileName = "<img src=x onerror=alert(1)>.pdf" };

        var cut = Render<ChatMessageItem>(p => p.Add(x => x.Message, Answer("<script>alert(1)</script> [1] <a href=\"javascript:x\">y</a>", hostile)));

        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("img"));
        Assert.Empty(cut.FindAll(".pl-markdown a"));
        Assert.Single(cut.FindAll(".pl-markdown button.pl-cite"));
        Assert.Contains("<img src=x onerror=alert(1)>.pdf", cut.Find(".pl-source-text").TextContent);
        Assert.Contains("<img src=x onerror=alert(1)>.pdf", cut.Find(".pl-cite").GetAttribute("aria-label"));
    }

    [Fact]
    public void ChatMessageItem_WithoutCitations_HasNoSourcesAndNoMarkerButtons()
    {
        var cut = Render<ChatMessageItem>(p => p.Add(x => x.Message, Answer("See [1].")));

        Assert.Empty(cut.FindAll(".pl-msg-sources"));
        Assert.Empty(cut.FindAll(".pl-cite"));
        Assert.Contains("See [1].", cut.Find(".pl-markdown").TextContent);
    }

    [Fact]
    public void ChatMessageItem_German_SaysQuellenAndSeite()
    {
        var previous = System.Globalization.CultureInfo.CurrentUICulture;
        System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo("de");
        try
        {
            var cut = Render<ChatMessageItem>(p => p.Add(x => x.Message, Answer("Antwort", Pdf)));

            Assert.Equal("Quellen", cut.Find(".pl-msg-sources-title").TextContent);
            Assert.Contains("handbook.pdf, Seite 2 — Backups", cut.Find(".pl-source").TextContent);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentUICulture = previous;
        }
    }

    [Fact]
    public void ChatSettingsPanel_ApplyPresetWithCollections_AttachesThem()
    {
        ChatSettings? changed = null;
        var collection = new KnowledgeCollectionSummary(Guid.NewGuid(), "Handbuch", 1, 3, 100, DateTimeOffset.UtcNow);
        var preset = new ChatPresetView(Guid.NewGuid(), "Support", "Answer from the handbook.", 0.2f, 0.9f, 128, [collection.Id]);
        var cut = Render<ChatSettingsPanel>(p => p
            .Add(x => x.Settings, new ChatSettings { ModelId = "demo-chat" })
            .Add(x => x.Presets, [preset])
            .Add(x => x.Collections, [collection])
            .Add(x => x.SettingsChanged, (ChatSettings s) => changed = s));

        cut.Find(".pl-chat-preset").Click();

        Assert.Equal([collection.Id], changed!.CollectionIds);
        Assert.Equal("Answer from the handbook.", changed.SystemPrompt);
    }

    [Fact]
    public void ChatSettingsPanel_ApplyPresetWithoutCollections_DetachesThem()
    {
        ChatSettings? changed = null;
        var collection = new KnowledgeCollectionSummary(Guid.NewGuid(), "Handbuch", 1, 3, 100, DateTimeOffset.UtcNow);
        var cut = Render<ChatSettingsPanel>(p => p
            .Add(x => x.Settings, new ChatSettings { CollectionIds = [collection.Id] })
            .Add(x => x.Presets, [new ChatPresetView(Guid.NewGuid(), "Plain", "", 0.7f, 0.95f, 512)])
            .Add(x => x.Collections, [collection])
            .Add(x => x.SettingsChanged, (ChatSettings s) => changed = s));

        cut.Find(".pl-chat-preset").Click();

        Assert.Empty(changed!.CollectionIds);
    }

    [Fact]
    public void ChatSettingsPanel_NoCollections_LinksToTheKnowledgePage()
    {
        var cut = Render<ChatSettingsPanel>(p => p.Add(x => x.Settings, new ChatSettings()));

        Assert.Empty(cut.FindAll("#chat-collections-select"));
        Assert.Equal("/knowledge", cut.Find("#chat-no-collections a").GetAttribute("href"));
    }
}
