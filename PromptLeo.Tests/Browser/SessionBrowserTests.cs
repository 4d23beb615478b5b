using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Browser;

/// <summary>Two independent browser contexts of one account: an open tab (a live circuit) must lose the account too.</summary>
public sealed class SessionBrowserTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    private const string Password = "Session-Passw0rd-1";

    private async Task<string> NewAccountAsync()
    {
        var email = $"sessions.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(portal, portal.CreateBrowserLikeClient(), email, Password);
        return email;
    }

    /// <summary>A tab left open on the API keys page: an interactive circuit holding the account.</summary>
    private async Task<IPage> OpenTabAsync(string email)
    {
        var page = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(page, email, Password);
        await page.GotoAsync("/api-keys");
        await Assertions.Expect(page.Locator("#logout")).ToBeVisibleAsync();
        return page;
    }

    private static async Task ExpectSignedOutAsync(IPage openTab)
    {
        // No click in the open tab: its circuit re-validates (every second here) and sends it to the login page by itself;
        // 40 s because the full CI run starves circuits on 2 cores (the claim is "signed out", not a latency).
        await openTab.WaitForURLAsync("**/Account/Login**", new PageWaitForURLOptions { Timeout = 40_000 });
        await Assertions.Expect(openTab.Locator("#login-submit")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task SignOutEverywhere_OtherBrowsersOpenTabIsSignedOut()
    {
        var email = await NewAccountAsync();
        var openTab = await OpenTabAsync(email);

        var page = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(page, email, Password);
        await page.GotoAsync("/Account/Manage/Sessions");
        // Registration signed in once over plain HTTP ("Unknown browser"), plus the open tab and this page.
        await Assertions.Expect(page.Locator("li.pl-session")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("li.pl-session[data-current='true']")).ToContainTextAsync("This browser");
        await BrowserPortal.ScreenshotAsync(page, "sessions-01-list");

        await page.ClickAsync("#sign-out-everywhere");
        await Assertions.Expect(page.Locator("#signed-out-everywhere")).ToBeVisibleAsync();
        await BrowserPortal.ScreenshotAsync(page, "sessions-02-signed-out-everywhere");
        await ExpectSignedOutAsync(openTab);
    }

    [Fact]
    public async Task EndOneSession_ThatBrowsersOpenTabIsSignedOut_ThisOneStays()
    {
        var email = await NewAccountAsync();
        var openTab = await OpenTabAsync(email);

        var page = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(page, email, Password);
        await page.GotoAsync("/Account/Manage/Sessions");
        // The open tab is the other Chromium session; the registration's plain-HTTP sign-in shows as "Unknown browser".
        await page.Locator("li.pl-session[data-current='false']").Filter(new() { HasText = "Chrome" }).Locator("button").ClickAsync();
        await Assertions.Expect(page.Locator("#sessions-status")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("li.pl-session")).ToHaveCountAsync(2);
        await ExpectSignedOutAsync(openTab);
    }

    [Fact]
    public async Task ChangePassword_OtherBrowsersOpenTabIsSignedOut()
    {
        var email = await NewAccountAsync();
        var openTab = await OpenTabAsync(email);

        var page = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(page, email, Password);
        await page.GotoAsync("/Account/Manage/ChangePassword");
        await page.FillAsync("[name='Input.OldPassword']", Password);
        await page.FillAsync("[name='Input.NewPassword']", "Changed-Passw0rd-2");
        await page.FillAsync("[name='Input.ConfirmPassword']", "Changed-Passw0rd-2");
        await page.ClickAsync("#change-password-submit");
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("Your password has been changed");
        await ExpectSignedOutAsync(openTab);
        await Assertions.Expect(page.Locator("#logout")).ToBeVisibleAsync(); // the browser that changed it stays in
    }

    [Fact]
    public async Task Erasure_OtherBrowsersOpenTabIsSignedOut()
    {
        var email = await NewAccountAsync();
        var openTab = await OpenTabAsync(email);
        var userId = await UserIdAsync(email);
        var eraser = portal.Services.GetRequiredService<AccountEraser>();
        var job = await eraser.BeginAsync(userId, userId, CancellationToken.None);
        await eraser.ContinueAsync(job.Id);
        await ExpectSignedOutAsync(openTab);
    }

    [Fact]
    public async Task RemoveAdminRole_ThatAdminsOpenAdminTabIsSignedOut()
    {
        var email = await NewAccountAsync();
        var userId = await UserIdAsync(email);
        var directory = portal.Services.GetRequiredService<PromptLeo.Web.Features.Admin.AdminUserDirectory>();
        var adminId = await UserIdAsync(PortalFactory.AdminEmail);
        Assert.True(await directory.SetAdminAsync(adminId, userId, true));

        var openTab = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(openTab, email, Password);
        await openTab.GotoAsync("/admin");
        await Assertions.Expect(openTab.Locator("#admin-title")).ToBeVisibleAsync();

        Assert.True(await directory.SetAdminAsync(adminId, userId, false));
        await ExpectSignedOutAsync(openTab);
    }

    [Theory]
    [InlineData("en", "light", 1280)]
    [InlineData("de", "dark", 1280)]
    [InlineData("en", "dark", 390)]
    [InlineData("de", "light", 390)]
    public async Task SessionsPage_LanguagesThemesAndPhoneWidth_Screenshots(string language, string theme, int width)
    {
        var email = await NewAccountAsync();
        var page = await portal.NewPageAsync(width, width < 600 ? 844 : 900);
        await BrowserPortal.LoginAsync(page, email, Password);
        await page.Context.AddCookiesAsync(
        [
            new Cookie { Name = ".AspNetCore.Culture", Value = $"c={language}|uic={language}", Url = portal.BaseUrl },
            new Cookie { Name = "PromptLeo.Theme", Value = theme, Url = portal.BaseUrl },
        ]);
        await page.GotoAsync("/Account/Manage/Sessions");
        await Assertions.Expect(page.Locator("#sign-out-everywhere")).ToContainTextAsync(language == "de" ? "Überall abmelden" : "Sign out everywhere");
        await Assertions.Expect(page.Locator("li.pl-session")).ToHaveCountAsync(2);
        // Nothing may run off the side of a phone screen.
        var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
        Assert.False(overflow, "The sessions page scrolls sideways.");
        await BrowserPortal.ScreenshotAsync(page, $"sessions-{language}-{theme}-{width}");
    }

    private async Task<string> UserIdAsync(string email)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<PromptLeo.Web.Data.ApplicationUser>>();
        return (await users.FindByEmailAsync(email))!.Id;
    }
}
