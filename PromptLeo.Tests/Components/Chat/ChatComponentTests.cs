using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using PromptLeo.Web.Features.Chat;

namespace PromptLeo.Tests.Components.Chat;

public sealed class ChatComponentTests : BunitContext, IAsyncLifetime
{
    public ChatComponentTests()
    {
        Services.AddMudServices();
        Services.AddLocalization();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's input services are only IAsyncDisposable; dispose the container asynchronously first.
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    private static ChatMessageView Message(string role, string content, bool incomplete = false, string? finish = "stop", decimal? cost = null) =>
        new(Guid.NewGuid(), 0, role, content, "demo-chat", 11, 22, incomplete, finish, cost, DateTimeOffset.UtcNow);

    [Fact]
    public void ChatMessageItem_Assistant_RendersSanitizedMarkdownAndTokenCounts()
    {
        var cut = Render<ChatMessageItem>(p => p
            .Add(x => x.Message, Message(ChatRoles.Assistant, "**fett** <script>alert(1)</script>\n\n```\ncode\n```"))
            .Add(x => x.CanRegenerate, true));

        Assert.NotNull(cut.Find(".pl-markdown strong"));
        Assert.Empty(cut.FindAll(".pl-markdown script"));
        Assert.NotNull(cut.Find("[data-copy-code]"));
        Assert.Contains("11 + 22 tokens", cut.Find(".pl-msg-tokens").TextContent);
        Assert.NotNull(cut.Find("#chat-regenerate"));
        Assert.Empty(cut.FindAll(".pl-msg-cost"));
    }

    [Fact]
    public void ChatMessageItem_AnswerWithThinking_ShowsThinkingCollapsedAbovePlainAnswer()
    {
        var cut = Render<ChatMessageItem>(p => p.Add(x => x.Message, Message(ChatRoles.Assistant, "**answer**") with { Thinking = "weigh <b>this</b>" }));

        var details = cut.Find("details.pl-msg-thinking");
        Assert.False(details.HasAttribute("open"));
        Assert.Equal("Thinking", details.QuerySelector("summary")!.TextContent);
        // Reasoning is plain text: markup in it is shown, not rendered.
        Assert.Equal("weigh <b>this</b>", details.QuerySelector(".pl-msg-thinking-text")!.TextContent);
        Assert.Empty(details.QuerySelectorAll("b"));
        Assert.True(details.CompareDocumentPosition(cut.Find(".pl-markdown strong")).HasFlag(AngleSharp.Dom.DocumentPositions.Following));
    }

    [Fact]
    public void ChatMessageItem_StreamingWhileThinking_SaysThinkingAndStaysCollapsed()
    {
        var cut = Render<ChatMessageItem>(p => p.Add(x => x.Message, Message(ChatRoles.Assistant, "") with { Thinking = "first" }).Add(x => x.Streaming, true));

        Assert.Equal("Thinking…", cut.Find("details.pl-msg-thinking summary").TextContent);
        Assert.False(cut.Find("details.pl-msg-thinking").HasAttribute("open"));
        Assert.NotNull(cut.Find(".mud-progress-linear"));

        cut.Render(p => p.Add(x => x.Message, Message(ChatRoles.Assistant, "Now the answer") with { Thinking = "first and more" }));

        Assert.Equal("Thinking", cut.Find("details.pl-msg-thinking summary").TextContent);
        Assert.Equal("first and more", cut.Find(".pl-msg-thinking-text").TextContent);
    }

    [Fact]
    public void ChatMessageItem_NoThinking_RendersNoThinkingBlock()
    {
        var cut = Render<ChatMessageItem>(p => p.Add(x => x.Message, Message(ChatRoles.Assistant, "plain")));

        Assert.Empty(cut.FindAll("details.pl-msg-thinking"));
    }

    [Fact]
    public void ChatMessageItem_German_LabelsThinkingGedankengang()
    {
        var previous = System.Globalization.CultureInfo.CurrentUICulture;
        System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo("de");
        try
        {
            var cut = Render<ChatMessageItem>(p => p.Add(x => x.Message, Message(ChatRoles.Assistant, "Antwort") with { Thinking = "Überlegung" }));

            Assert.Equal("Gedankengang", cut.Find("details.pl-msg-thinking summary").TextContent);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentUICulture = previous;
        }
    }

    [Fact]
    public void ChatMessageItem_User_IsPlainText_NotMarkdown()
    {
        var cut = Render<ChatMessageItem>(p => p.Add(x => x.Message, Message(ChatRoles.User, "**not bold** <b>x</b>")).Add(x => x.CanEdit, true));

        Assert.Equal("**not bold** <b>x</b>", cut.Find(".pl-msg-text").TextContent);
        Assert.Empty(cut.FindAll(".pl-msg-text b"));
        Assert.Empty(cut.FindAll(".pl-msg-tokens"));
    }

    [Fact]
    public void ChatMessageItem_IncompleteWithCost_ShowsStoppedChipAndCost()
    {
        var cut = Render<ChatMessageItem>(p => p.Add(x => x.Message, Message(ChatRoles.Assistant, "partial", incomplete: true, finish: "cancelled", cost: 0.0123m)));

        Assert.Contains("Stopped", cut.Find(".pl-msg-incomplete").TextContent);
        Assert.Contains("0,0123", cut.Find(".pl-msg-cost").TextContent);
    }

    [Fact]
    public void ChatMessageItem_EditAndResend_RaisesIndexAndNewText()
    {
        (int Index, string Text)? resent = null;
        var cut = Render<ChatMessageItem>(p => p
            .Add(x => x.Message, Message(ChatRoles.User, "old"))
            .Add(x => x.Index, 2)
            .Add(x => x.CanEdit, true)
            .Add(x => x.OnResend, ((int Index, string Text) e) => resent = e));

        cut.Find(".pl-msg-edit").Click();
        cut.Find("textarea.pl-msg-edit-input").Input("new text");
        cut.Find(".pl-msg-resend").Click();

        Assert.Equal((2, "new text"), resent);
    }

    [Fact]
    public void ChatMessageItem_Streaming_HidesActions()
    {
        var cut = Render<ChatMessageItem>(p => p.Add(x => x.Message, Message(ChatRoles.Assistant, "")).Add(x => x.Streaming, true).Add(x => x.CanRegenerate, true));

        Assert.Empty(cut.FindAll(".pl-msg-copy"));
        Assert.Empty(cut.FindAll("#chat-regenerate"));
        Assert.NotNull(cut.Find(".mud-progress-linear"));
    }

    [Fact]
    public void ConversationList_ShowsTitlesLinksAndPins_MarksCurrent()
    {
        var pinned = new ConversationSummary(Guid.NewGuid(), "Pinned chat", true, DateTimeOffset.UtcNow);
        var other = new ConversationSummary(Guid.NewGuid(), "Other chat", false, DateTimeOffset.UtcNow);
        var cut = Render<ConversationList>(p => p.Add(x => x.Conversations, [pinned, other]).Add(x => x.CurrentId, other.Id));

        var links = cut.FindAll(".pl-chat-list-link");
        Assert.Equal([$"/chat/{pinned.Id}", $"/chat/{other.Id}"], links.Select(a => a.GetAttribute("href")));
        Assert.Equal(other.Id.ToString(), cut.Find(".pl-chat-list-item.pl-active").GetAttribute("data-conversation"));
        Assert.Single(cut.FindAll(".pl-chat-list-item .mud-icon-root[aria-label='Pinned']"));
    }

    [Fact]
    public void ConversationList_Empty_SaysSo()
    {
        var cut = Render<ConversationList>(p => p.Add(x => x.Conversations, []));
        Assert.Contains("No chats yet.", cut.Find(".pl-chat-list-empty").TextContent);

        cut.Render(p => p.Add(x => x.Search, "zzz"));
        Assert.Contains("No chat matches.", cut.Find(".pl-chat-list-empty").TextContent);
    }

    [Fact]
    public void ChatSettingsPanel_ApplyPreset_CopiesPromptAndSampling()
    {
        ChatSettings? changed = null;
        var preset = new ChatPresetView(Guid.NewGuid(), "Translator", "Translate.", 0.1f, 0.5f, 64);
        var cut = Render<ChatSettingsPanel>(p => p
            .Add(x => x.Settings, new ChatSettings { ModelId = "demo-chat", Seed = 3 })
            .Add(x => x.Presets, [preset])
            .Add(x => x.SettingsChanged, (ChatSettings s) => changed = s));

        cut.Find(".pl-chat-preset").Click();

        Assert.Equal(new ChatSettings { ModelId = "demo-chat", Seed = 3, SystemPrompt = "Translate.", Temperature = 0.1f, TopP = 0.5f, MaxTokens = 64 }, changed);
    }

    [Fact]
    public void ChatSettingsPanel_SavePreset_RaisesName()
    {
        string? saved = null;
        var cut = Render<ChatSettingsPanel>(p => p
            .Add(x => x.Settings, new ChatSettings())
            .Add(x => x.OnSavePreset, (string name) => saved = name));

        cut.Find("#chat-preset-name").Change("Mein Preset");
        cut.Find("#chat-preset-save").Click();

        Assert.Equal("Mein Preset", saved);
    }
}
