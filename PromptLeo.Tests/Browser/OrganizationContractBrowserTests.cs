using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Privacy;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Organizations;

namespace PromptLeo.Tests.Browser;

/// <summary>The organization's contract settings and its DPA page, on a phone in dark mode and on a desktop in light mode.</summary>
public sealed class OrganizationContractBrowserTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    [Theory]
    [InlineData("de", "dark", 390, "Vertragsdaten von", "Gespeichert.")]
    [InlineData("en", "light", 1280, "Contract data of", "Saved.")]
    public async Task OrganizationSettings_OwnerSavesAndAcceptsTheDpa_FitsTheScreen(string culture, string theme, int width, string title, string saved)
    {
        var email = $"org-owner-{Guid.NewGuid():N}@firma-example.de";
        string userId;
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
            Assert.True((await users.CreateAsync(user, PrivacySeed.Password)).Succeeded);
            userId = user.Id;
        }
        var directory = portal.Services.GetRequiredService<OrganizationDirectory>();
        var organizationId = await directory.CreateAsync(userId, new OrganizationDetails("Werkstatt Lindner GmbH", "Lange Reihe 4", "20099", "Hamburg", "DE", null, culture));
        Assert.True(await directory.SetActiveAsync(userId, organizationId));
        var page = await portal.NewPageAsync(width, width < 600 ? 844 : 900);
        await BrowserPortal.LoginAsync(page, email, PrivacySeed.Password);
        await ComplianceWalkTests.SetPreferencesAsync(page, portal.BaseUrl, culture, theme);

        await page.GotoAsync("/organization/settings");
        await Assertions.Expect(page.Locator("#org-settings")).ToContainTextAsync(title);
        await ComplianceWalkTests.AssertNothingSticksOutAsync(page, $"org-settings-{culture}-{width}");
        await page.FillAsync("[name='Input.VatId']", "DE 123 456 789");
        await page.ClickAsync("#org-settings-submit");
        await Assertions.Expect(page.Locator("#org-settings-saved")).ToHaveTextAsync(saved);
        await Assertions.Expect(page.Locator("[name='Input.VatId']")).ToHaveValueAsync("DE123456789");
        await BrowserPortal.ScreenshotAsync(page, $"org-settings-{culture}-{theme}-{width}");

        await page.GotoAsync("/privacy/dpa");
        await Assertions.Expect(page.Locator("#dpa-company")).ToContainTextAsync("Werkstatt Lindner GmbH");
        await page.CheckAsync("#Input\\.Accept");
        await page.ClickAsync("#dpa-submit");
        await Assertions.Expect(page.Locator("#dpa-page-status")).ToContainTextAsync("Werkstatt Lindner GmbH");
        await Assertions.Expect(page.Locator("#dpa-submit")).ToHaveCountAsync(0);
        await ComplianceWalkTests.AssertNothingSticksOutAsync(page, $"org-dpa-{culture}-{width}");
        await BrowserPortal.ScreenshotAsync(page, $"org-dpa-{culture}-{theme}-{width}");
    }
}
