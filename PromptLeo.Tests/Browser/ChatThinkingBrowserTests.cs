using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using PromptLeo.Inference;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Browser;

/// <summary>
/// A thinking model in the chat (the scripted Qwen3-style GGUF, real engine): the reasoning sits collapsed above the
/// answer. Its own portal, so the extra model cannot change which demo model other chat tests pick.
/// </summary>
public sealed class ChatThinkingBrowserTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    private const string Password = "Chat-Browser-Passw0rd";

    [Fact]
    public async Task Chat_ThinkingModel_ShowsThinkingCollapsedAboveTheAnswer_AfterReloadToo()
    {
        var modelsDirectory = portal.Services.GetRequiredService<IOptions<InferenceOptions>>().Value.ModelsDirectory;
        await DemoChatModelWriter.WriteAsync(modelsDirectory, ThinkingModels.Qwen3());
        await portal.Services.GetRequiredService<IModelRegistry>().RescanAsync();
        var email = $"think.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(portal, portal.CreateBrowserLikeClient(), email, Password);
        var page = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(page, email, Password);

        await page.GotoAsync("/chat");
        var input = page.Locator("#chat-input[data-composer='ready']");
        await Assertions.Expect(input).ToBeVisibleAsync();
        await page.ClickAsync("#chat-model-picker .mud-select");
        await page.Locator(".mud-popover-open").GetByText(ThinkingModels.Id).First.ClickAsync();
        await input.FillAsync("What matters?");
        await input.PressAsync("Enter");

        var answer = page.Locator(".pl-msg-assistant").Last;
        await Assertions.Expect(answer.Locator(".pl-msg-tokens")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(answer.Locator(".pl-markdown")).ToHaveTextAsync(ThinkingModels.Answer);
        var thinking = answer.Locator("details.pl-msg-thinking");
        await Assertions.Expect(thinking.Locator("summary")).ToHaveTextAsync("Thinking");
        await Assertions.Expect(answer.Locator(".pl-msg-thinking-text")).ToBeHiddenAsync();
        await thinking.Locator("summary").ClickAsync();
        await Assertions.Expect(answer.Locator(".pl-msg-thinking-text")).ToHaveTextAsync(ThinkingModels.Reasoning);
        await BrowserPortal.ScreenshotAsync(page, "chat-thinking");

        // Stored with the message: back after a reload, collapsed again.
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/chat/[0-9a-f-]{36}$"));
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator(".pl-msg-assistant details.pl-msg-thinking summary")).ToHaveTextAsync("Thinking");
        await Assertions.Expect(page.Locator(".pl-msg-assistant .pl-msg-thinking-text")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator(".pl-msg-assistant .pl-markdown")).ToHaveTextAsync(ThinkingModels.Answer);

        Assert.True(portal.ConsoleErrors.IsEmpty, string.Join("\n", portal.ConsoleErrors));
    }
}
