using Microsoft.Playwright;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Browser;

/// <summary>The chat as a person uses it: pick the demo model, send with Enter, watch it stream, stop, regenerate.</summary>
public sealed class ChatBrowserTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    private const string Password = "Chat-Browser-Passw0rd";

    [Fact]
    public async Task Chat_PickDemoModel_EnterSends_Streams_Stop_Regenerate_Mobile()
    {
        var email = $"chat.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(portal, portal.CreateBrowserLikeClient(), email, Password);
        var page = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(page, email, Password);

        await page.GotoAsync("/chat");
        var input = page.Locator("#chat-input[data-composer='ready']");
        await Assertions.Expect(input).ToBeVisibleAsync();

        // Pick the demo model (labelled as random weights). Greedy decoding of the random weights runs to the context
        // limit (about 2000 tokens, seconds), which leaves time to stop it; sampled answers often end after a few tokens.
        await page.ClickAsync("#chat-model-picker .mud-select");
        await page.Locator(".mud-popover-open").GetByText("Demo (random weights)").First.ClickAsync();
        await Assertions.Expect(page.Locator("#chat-model-picker")).ToContainTextAsync("Demo (random weights)");
        await page.ClickAsync("#chat-settings-toggle");
        await page.FillAsync("#chat-max-tokens", "4000");
        await page.Locator("#chat-max-tokens").BlurAsync();
        await page.FillAsync("#chat-temperature", "0");
        await page.Locator("#chat-temperature").BlurAsync();

        // Shift+Enter adds a line and sends nothing.
        await input.FillAsync("Erzähl mir");
        await input.PressAsync("Shift+Enter");
        await input.PressSequentiallyAsync("eine lange Geschichte");
        Assert.Contains("\n", await input.InputValueAsync());
        await Assertions.Expect(page.Locator(".pl-msg")).ToHaveCountAsync(0);

        // Enter sends; text streams in while the stop button is shown.
        // The tiny model is fast: stop as soon as text shows, and check the rest afterwards.
        await input.PressAsync("Enter");
        await Assertions.Expect(page.Locator(".pl-msg-assistant .pl-markdown").Last).Not.ToBeEmptyAsync();
        await page.ClickAsync("#chat-stop");
        await Assertions.Expect(page.Locator(".pl-msg-user")).ToContainTextAsync("eine lange Geschichte");
        Assert.Equal("", await page.Locator("#chat-input").InputValueAsync());

        // The partial answer is kept, stored (the URL names the new conversation) and marked as stopped.
        await Assertions.Expect(page.Locator(".pl-msg-incomplete")).ToContainTextAsync("Stopped");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/chat/[0-9a-f-]{36}$"));
        await Assertions.Expect(page.Locator(".pl-msg-tokens")).ToContainTextAsync("tokens");
        await Assertions.Expect(page.Locator(".pl-chat-sidebar .pl-chat-list-link")).ToHaveCountAsync(1);
        await BrowserPortal.ScreenshotAsync(page, "chat");

        // Regenerate replaces the last answer: still one question and one answer.
        await page.ClickAsync("#chat-regenerate");
        await Assertions.Expect(page.Locator("#chat-stop")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#chat-send")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator(".pl-msg")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator(".pl-msg-assistant .pl-msg-tokens")).ToBeVisibleAsync();

        // After a reload the conversation comes back from the database.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator(".pl-msg")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator(".pl-msg-user")).ToContainTextAsync("eine lange Geschichte");

        // Mobile width: the list moves into a drawer.
        await page.SetViewportSizeAsync(390, 844);
        await Assertions.Expect(page.Locator(".pl-chat-sidebar")).ToBeHiddenAsync();
        await page.ClickAsync("#chat-open-list");
        await Assertions.Expect(page.Locator("#chat-list-drawer .pl-chat-list-link")).ToHaveCountAsync(1);
        await page.WaitForTimeoutAsync(500); // let the drawer finish sliding in before the screenshot
        await BrowserPortal.ScreenshotAsync(page, "chat-mobile");

        Assert.True(portal.ConsoleErrors.IsEmpty, string.Join("\n", portal.ConsoleErrors));
    }

    [Fact]
    public async Task TemporaryChat_SaysNothingIsStored_AndUnknownChatIsNotFound()
    {
        var email = $"temp.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(portal, portal.CreateBrowserLikeClient(), email, Password);
        var page = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(page, email, Password);

        var unknown = await page.GotoAsync($"/chat/{Guid.NewGuid()}");
        Assert.Equal(404, unknown!.Status);
        await Assertions.Expect(page.Locator("#not-found")).ToBeVisibleAsync();
        // The browser logs the 404 document itself; that one is expected, anything else is not.
        var errors = portal.ConsoleErrors.ToArray();
        portal.ConsoleErrors.Clear();
        foreach (var error in errors.Where(e => !e.Contains("status of 404")))
        {
            portal.ConsoleErrors.Enqueue(error);
        }

        await page.GotoAsync("/chat");
        var input = page.Locator("#chat-input[data-composer='ready']");
        await Assertions.Expect(input).ToBeVisibleAsync();
        await page.Locator("label:has(#chat-temporary)").ClickAsync();
        await Assertions.Expect(page.Locator("#chat-temporary-notice")).ToContainTextAsync("nothing is stored");
        await input.FillAsync("temporär");
        await input.PressAsync("Enter");
        await Assertions.Expect(page.Locator(".pl-msg-assistant .pl-msg-tokens")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        // Nothing stored: still on /chat and no conversation in the list.
        Assert.EndsWith("/chat", page.Url);
        await Assertions.Expect(page.Locator(".pl-chat-sidebar .pl-chat-list-link")).ToHaveCountAsync(0);
        await BrowserPortal.ScreenshotAsync(page, "chat-temporary");

        Assert.True(portal.ConsoleErrors.IsEmpty, string.Join("\n", portal.ConsoleErrors));
    }
}
