using Microsoft.Playwright;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Browser;

/// <summary>What a person clicks: register, confirm from the mail, log in, 2FA, switch language, log out.</summary>
public sealed class AccountBrowserTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    private const string Password = "Browser-Passw0rd-1";

    [Fact]
    public async Task Register_Confirm_Login_SwitchLanguage_Logout()
    {
        var page = await portal.NewPageAsync();
        var email = $"marie.{Guid.NewGuid():N}@example.fr";

        await page.GotoAsync("/");
        await page.ClickAsync("#appbar-register");
        await page.FillAsync("[name='Input.Email']", email);
        await page.FillAsync("[name='Input.Password']", Password);
        await page.FillAsync("[name='Input.ConfirmPassword']", Password);
        await BrowserPortal.ScreenshotAsync(page, "01-register");
        await page.ClickAsync("#registerSubmit");
        await page.WaitForURLAsync("**/Account/RegisterConfirmation**");

        var mail = await MailPickup.WaitForMailToAsync(portal.MailDirectory, email);
        var link = new Uri(MailPickup.FirstLink(mail));
        await page.GotoAsync(link.PathAndQuery);
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("Thank you for confirming your email");
        await BrowserPortal.ScreenshotAsync(page, "02-confirmed");

        await BrowserPortal.LoginAsync(page, email, Password);
        await Assertions.Expect(page.Locator("#welcome")).ToBeVisibleAsync();
        await BrowserPortal.ScreenshotAsync(page, "03-logged-in");

        await page.ClickAsync("#lang-de");
        await Assertions.Expect(page.Locator("#logout")).ToContainTextAsync("Abmelden");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "de");
        await Assertions.Expect(page.Locator("#welcome")).ToContainTextAsync("Willkommen zurück");
        await BrowserPortal.ScreenshotAsync(page, "04-german");

        await page.ClickAsync("#logout");
        await Assertions.Expect(page.Locator("#appbar-login")).ToBeVisibleAsync();
        // The language choice survives the logout (cookie) and comes back from the profile at the next login.
        await Assertions.Expect(page.Locator("#appbar-login")).ToContainTextAsync("Anmelden");
        await BrowserPortal.ScreenshotAsync(page, "05-logged-out");
    }

    [Fact]
    public async Task EnableTwoFactor_ThenLoginNeedsAuthenticatorCode()
    {
        var page = await portal.NewPageAsync();
        var email = $"jonas.{Guid.NewGuid():N}@example.de";
        var client = portal.CreateBrowserLikeClient();
        await PortalSession.RegisterConfirmAndLoginAsync(portal, client, email, Password);

        await BrowserPortal.LoginAsync(page, email, Password);
        await page.GotoAsync("/Account/Manage/EnableAuthenticator");
        await Assertions.Expect(page.Locator("#qrCode")).ToBeVisibleAsync();
        var key = (await page.Locator("#sharedKey").InnerTextAsync()).Trim();
        await BrowserPortal.ScreenshotAsync(page, "06-enable-2fa");

        await page.FillAsync("[name='Input.Code']", Totp.Code(key));
        await page.ClickAsync("#verify-authenticator");
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync(new System.Text.RegularExpressions.Regex("recovery codes", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
        await BrowserPortal.ScreenshotAsync(page, "07-recovery-codes");
        // Enabling renews the security stamp: this browser got a fresh cookie and is still signed in after the fixture's
        // 2-second stamp check has run (before the fix it was signed out there).
        await page.WaitForTimeoutAsync(3_000);
        await page.GotoAsync("/Account/Manage/TwoFactorAuthentication");
        Assert.Contains("/Account/Manage/TwoFactorAuthentication", page.Url);
        await Assertions.Expect(page.Locator("#logout")).ToHaveCountAsync(1);

        await page.ClickAsync("#logout");
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("[name='Input.Email']", email);
        await page.FillAsync("[name='Input.Password']", Password);
        await page.ClickAsync("#login-submit");
        await page.WaitForURLAsync("**/Account/LoginWith2fa**");
        await page.FillAsync("[name='Input.TwoFactorCode']", Totp.Code(key));
        await page.ClickAsync("#login-2fa-submit");
        await Assertions.Expect(page.Locator("#welcome")).ToBeVisibleAsync();
        await BrowserPortal.ScreenshotAsync(page, "08-logged-in-with-2fa");
    }

    [Fact]
    public async Task MobileWidth_LayoutShowsMenuAndRegion()
    {
        var page = await portal.NewPageAsync(390, 844);
        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator("#nav-toggle")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#hosting-region")).ToHaveTextAsync("DE");
        await BrowserPortal.ScreenshotAsync(page, "09-mobile-home");
    }

    [Fact]
    public async Task Pages_LoadStylesAndScripts_WithoutCspViolations()
    {
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        // MudBlazor's stylesheet is applied: the app bar is a fixed MudBlazor bar, not an unstyled block.
        Assert.Equal("fixed", await page.EvalOnSelectorAsync<string>(".mud-appbar", "e => getComputedStyle(e).position"));
        // The interactive circuit started (Blazor Server over the WebSocket the CSP allows).
        await page.ClickAsync("#nav-toggle");
        await page.GotoAsync("/Account/Login");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var csp = portal.ConsoleErrors.Where(e => e.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(csp.Count == 0, string.Join("\n", csp));
    }

}
