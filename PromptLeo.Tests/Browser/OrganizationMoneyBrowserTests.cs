using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.ApiKeys;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Organizations;

namespace PromptLeo.Tests.Browser;

/// <summary>An organization's keys as its owner manages them, and a site admin booking credit to an organization.</summary>
public sealed class OrganizationMoneyBrowserTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    private const string Password = "OrgMoney-Passw0rd-1";

    private async Task<(string Id, string Email)> UserAsync(string name, string? role = null)
    {
        var email = $"{name}.{Guid.NewGuid():N}@example.de";
        await using var scope = portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
        Assert.True((await users.CreateAsync(user, Password)).Succeeded);
        if (role is not null)
        {
            Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
        }
        return (user.Id, email);
    }

    [Fact]
    public async Task OwnerManagesMembersKeys_FormerMemberUnnamed_SiteAdminBooksCreditToTheOrganization()
    {
        var directory = portal.Services.GetRequiredService<OrganizationDirectory>();
        var keys = portal.Services.GetRequiredService<ApiKeyService>();
        var owner = await UserAsync("owner");
        var member = await UserAsync("member");
        var leaver = await UserAsync("leaver");
        var name = $"Storch {Guid.NewGuid():N}"[..14] + " AG";
        var company = await directory.CreateAsync(owner.Id, new OrganizationDetails(name, null, null, null, "DE", null, "en"));
        await using (var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = company, UserId = member.Id, Role = OrganizationRole.Member });
            db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = company, UserId = leaver.Id, Role = OrganizationRole.Member });
            await db.SaveChangesAsync();
        }
        foreach (var id in new[] { owner.Id, member.Id, leaver.Id })
        {
            Assert.True(await directory.SetActiveAsync(id, company));
        }
        var memberKey = await keys.CreateAsync(member.Id, "member key", [ApiScopes.Chat], null, null);
        var leaverKey = await keys.CreateAsync(leaver.Id, "leaver key", [ApiScopes.Chat], null, null);
        await using (var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await db.OrganizationMembers.Where(m => m.OrganizationId == company && m.UserId == leaver.Id).ExecuteDeleteAsync();
        }

        var page = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(page, owner.Email, Password);
        await page.GotoAsync("/api-keys");
        await page.Locator("#api-keys-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.Locator("#api-keys-organization")).ToContainTextAsync(name);
        var memberRow = page.Locator($"tr[data-key-prefix='{memberKey.Key.Prefix}']");
        var leaverRow = page.Locator($"tr[data-key-prefix='{leaverKey.Key.Prefix}']");
        await Assertions.Expect(memberRow.Locator(".api-key-creator")).ToContainTextAsync(member.Email);
        await Assertions.Expect(leaverRow.Locator(".api-key-creator")).ToHaveTextAsync("Former member");
        Assert.DoesNotContain(leaver.Email, await page.ContentAsync());

        await memberRow.Locator("input").FillAsync("7");
        await memberRow.Locator(".api-key-budget-save").ClickAsync();
        await leaverRow.Locator(".api-key-revoke").ClickAsync();
        await Assertions.Expect(leaverRow.Locator(".api-key-status")).ToContainTextAsync("revoked");
        await BrowserPortal.ScreenshotAsync(page, "organization-keys");
        await using (var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            Assert.Equal(Money.FromEuro(7m), await db.ApiKeys.Where(k => k.Id == memberKey.Key.Id).Select(k => k.MonthlyBudgetMicros).SingleAsync());
        }

        // A site admin books credit to the organization (picked by name) in the billing page's administration panel.
        var admin = await UserAsync("siteadmin", PromptLeo.Web.Features.Accounts.Roles.Admin);
        var adminPage = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(adminPage, admin.Email, Password);
        await adminPage.GotoAsync("/billing");
        await adminPage.Locator("#billing-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await BrowserPortal.InteractiveAsync(adminPage);
        await adminPage.ClickAsync("#billing-admin-organization .mud-select");
        await adminPage.Locator(".mud-popover-open").GetByText(name).First.ClickAsync();
        await adminPage.FillAsync("#billing-admin-amount", "25");
        await adminPage.Locator("#billing-admin-amount").BlurAsync();
        await adminPage.ClickAsync("#billing-admin-top-up");
        await Assertions.Expect(adminPage.Locator("#billing-admin-message")).ToContainTextAsync("Top-up recorded.");
        Assert.Equal(Money.FromEuro(25m), await portal.Services.GetRequiredService<BillingAccounts>().BalanceAsync(company));
        Assert.Equal(0, await portal.Services.GetRequiredService<BillingAccounts>().BalanceAsync(await directory.PersonalIdAsync(admin.Id)));

        // ... and a contracted price for that organization alone.
        await adminPage.ClickAsync("#billing-admin-price-list .mud-select");
        await adminPage.Locator(".mud-popover-open").GetByText("Contracted prices of " + name).First.ClickAsync();
        await adminPage.FillAsync("#billing-admin-price-model", "demo-chat");
        await adminPage.FillAsync("#billing-admin-price-input", "3");
        await adminPage.FillAsync("#billing-admin-price-output", "4");
        await adminPage.FillAsync("#billing-admin-price-embedding", "0.5");
        await adminPage.Locator("#billing-admin-price-embedding").BlurAsync();
        await adminPage.ClickAsync("#billing-admin-price-save");
        await Assertions.Expect(adminPage.Locator("#billing-admin-message")).ToContainTextAsync("Price version 1 saved for demo-chat.");
        var prices = portal.Services.GetRequiredService<PriceList>();
        var contracted = Assert.Single(await prices.ListOwnAsync(company));
        Assert.Equal(("demo-chat", Money.FromEuro(3m), Money.FromEuro(4m)), (contracted.ModelId, contracted.InputMicrosPerMillionTokens, contracted.OutputMicrosPerMillionTokens));
        Assert.Equal(Money.FromEuro(0.5m), contracted.EmbeddingMicrosPerMillionTokens);
        Assert.DoesNotContain(await prices.ListCurrentAsync(), p => p.OrganizationId == company);
        // The billing charges the organization's embeddings at the price typed into the admin's embedding field.
        await using (var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            Assert.Equal(Money.FromEuro(0.5m), (await prices.GetCurrentAsync(db, company, "demo-chat")).EmbeddingMicrosPerMillionTokens);
        }

        // The owner's billing page shows the organization's effective prices, the contracted one marked.
        await page.GotoAsync("/billing");
        await page.Locator("#billing-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.Locator("#billing-prices .billing-price-contracted")).ToContainTextAsync("demo-chat");
        await Assertions.Expect(page.Locator("#billing-prices .billing-price-contracted .billing-price-embedding")).ToContainTextAsync("0.5000");
        Assert.Empty(portal.ConsoleErrors);
    }
}
