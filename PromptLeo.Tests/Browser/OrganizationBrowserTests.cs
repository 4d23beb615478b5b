using Microsoft.Playwright;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Browser;

/// <summary>
/// An owner creates a company organization in the browser, invites two people by e-mail, both accept through the links
/// from the pickup folder (signing in on the way), and the members page lists three. Then the organization pages on a
/// 1280 px desktop and a 390 px phone, German and English, light and dark: nothing sticks out, a screenshot of each.
/// </summary>
public sealed class OrganizationBrowserTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    private const string Password = "Walk-Organization-Passw0rd";

    private const string Organization = "Nordwind Handels GmbH";

    [Fact]
    public async Task Owner_CreatesOrganizationInvitesTwo_BothAcceptByMail_MembersPageListsThree()
    {
        var owner = await OrganizationWalk.AccountAsync(portal, "owner", Password);
        var first = await OrganizationWalk.AccountAsync(portal, "first", Password);
        var second = await OrganizationWalk.AccountAsync(portal, "second", Password);
        var page = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(page, owner, Password);

        await OrganizationWalk.CreateAsync(page, Organization);

        await OrganizationWalk.InviteAsync(page, first, role: null);
        await OrganizationWalk.InviteAsync(page, second, role: "Admin");
        var firstTab = await OrganizationWalk.AcceptAsync(portal, first, Password, Organization);
        await (await OrganizationWalk.AcceptAsync(portal, second, Password, Organization)).Context.CloseAsync();

        await page.ReloadAsync();
        await page.Locator("#organization-members-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.Locator("#organization-members-table tbody tr")).ToHaveCountAsync(3);
        foreach (var email in new[] { owner, first, second })
        {
            await Assertions.Expect(page.Locator("#organization-members-table")).ToContainTextAsync(email);
        }
        await Assertions.Expect(page.Locator("#organization-invitations-table")).ToHaveCountAsync(0);
        // The role select shows the role's label (in the page's language) as its value.
        await Assertions.Expect(page.Locator("#organization-members-table tbody tr", new() { HasText = second }).Locator(".pl-member-role-select input").First).ToHaveValueAsync("Admin");

        var problems = new List<string>();
        foreach (var culture in new[] { "de", "en" })
        {
            foreach (var theme in new[] { "light", "dark" })
            {
                await ComplianceWalkTests.SetPreferencesAsync(page, portal.BaseUrl, culture, theme);
                foreach (var width in new[] { 1280, 390 })
                {
                    await page.SetViewportSizeAsync(width, width < 600 ? 844 : 900);
                    foreach (var (name, path, ready) in new[] { ("members", "/organization/members", "#organization-members-ready"), ("audit", "/organization/audit", "#organization-audit-ready"), ("new", "/organization/new", "#organization-new-ready") })
                    {
                        await ViewAsync(page, $"org-{name}-{culture}-{theme}-{width}", path, ready, culture, problems);
                    }
                    await SwitcherAsync(page, $"org-switcher-{culture}-{theme}-{width}", culture, problems);
                }
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        // The owner removes the first member: the member's open tab is signed out.
        await ComplianceWalkTests.SetPreferencesAsync(page, portal.BaseUrl, "en", "light");
        await page.SetViewportSizeAsync(1280, 900);
        await page.GotoAsync("/organization/members");
        await page.Locator("#organization-members-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator("#organization-members-table tbody tr", new() { HasText = first }).Locator(".pl-member-remove").ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Assertions.Expect(page.Locator("#organization-members-table tbody tr")).ToHaveCountAsync(2);
        await firstTab.WaitForURLAsync("**/Account/Login**", new PageWaitForURLOptions { Timeout = 20_000 });
        await BrowserPortal.ScreenshotAsync(page, "org-members-after-removal");
        await firstTab.Context.CloseAsync();
        await page.Context.CloseAsync();
    }

    private static async Task ViewAsync(IPage page, string name, string path, string ready, string culture, List<string> problems)
    {
        try
        {
            var response = await page.GotoAsync(path);
            Assert.True(response!.Ok, $"{path} answered {response.Status}");
            await page.Locator(ready).WaitForAsync(new() { State = WaitForSelectorState.Attached });
            await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", new System.Text.RegularExpressions.Regex("^" + culture));
            await ComplianceWalkTests.AssertNothingSticksOutAsync(page, name);
        }
        catch (Exception failure) when (failure is PlaywrightException or Xunit.Sdk.XunitException)
        {
            problems.Add($"{name}: {failure.Message.Split('\n')[0]}");
        }
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await BrowserPortal.ScreenshotAsync(page, name);
    }

    /// <summary>The switcher opened (on a phone behind the menu button): the personal organization and the company.</summary>
    private static async Task SwitcherAsync(IPage page, string name, string culture, List<string> problems)
    {
        try
        {
            await page.GotoAsync("/organization/members");
            await page.Locator("#organization-members-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            await BrowserPortal.InteractiveAsync(page);
            var summary = page.Locator("#organization-switcher summary");
            // A closed drawer on the phone still has a box (moved off screen), so "visible" is not enough: ask for the viewport.
            if (!await summary.EvaluateAsync<bool>("e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > 0 && r.left < innerWidth; }"))
            {
                await page.ClickAsync("#nav-toggle");
                await Assertions.Expect(summary).ToBeInViewportAsync();
            }
            await summary.ClickAsync();
            var personal = culture == "de" ? "Persönlich" : "Personal";
            await Assertions.Expect(page.Locator("#organization-switcher .pl-org-switcher-item").First).ToContainTextAsync(personal);
            await Assertions.Expect(page.Locator("#organization-switcher button.pl-active")).ToContainTextAsync("Nordwind Handels GmbH");
            await ComplianceWalkTests.AssertNothingSticksOutAsync(page, name);
        }
        catch (Exception failure) when (failure is PlaywrightException or Xunit.Sdk.XunitException)
        {
            problems.Add($"{name}: {failure.Message.Split('\n')[0]}");
        }
        await BrowserPortal.ScreenshotAsync(page, name);
    }
}
