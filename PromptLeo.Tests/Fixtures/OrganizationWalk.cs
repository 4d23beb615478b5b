using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PromptLeo.Web.Data;

namespace PromptLeo.Tests.Fixtures;

/// <summary>The organization steps the browser walks share: accounts, creating a company, inviting and joining by the mailed link.</summary>
public static class OrganizationWalk
{
    public static async Task<string> AccountAsync(BrowserPortal portal, string who, string password)
    {
        var email = $"org-{who}-{Guid.NewGuid():N}"[..20] + "@promptleo.test";
        await using var scope = portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var result = await users.CreateAsync(new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true }, password);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
        return email;
    }

    /// <summary>Fills /organization/new with a Hamburg address and a VAT id; lands on the members page acting for the new company.</summary>
    public static async Task CreateAsync(IPage page, string name)
    {
        await page.GotoAsync("/organization/new");
        await page.Locator("#organization-new-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator("#organization-name").FillAsync(name);
        await page.Locator("#organization-street").FillAsync("Kaiserkai 5");
        await page.Locator("#organization-postal-code").FillAsync("20457");
        await page.Locator("#organization-city").FillAsync("Hamburg");
        await page.Locator("#organization-vat-id").FillAsync("DE 123 456 789");
        await page.ClickAsync("#organization-create");
        await page.WaitForURLAsync(url => url.EndsWith("/organization/members", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#organization-active")).ToHaveTextAsync(name);
    }

    public static async Task InviteAsync(IPage page, string email, string? role)
    {
        await page.Locator("#organization-members-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator("#invite-email").FillAsync(email);
        if (role is not null)
        {
            var select = page.Locator("#invite-role").Locator("xpath=ancestor::div[contains(@class,'mud-select')][1]");
            await select.ClickAsync();
            await page.Locator(".mud-popover-open").GetByText(role, new() { Exact = true }).ClickAsync();
            await Assertions.Expect(page.Locator(".mud-popover-open")).ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator("#invite-role")).ToHaveValueAsync(role);
        }
        await page.ClickAsync("#invite-send");
        await Assertions.Expect(page.Locator("#organization-invitations-table tbody tr", new() { HasText = email })).ToContainTextAsync(role ?? "Member");
    }

    /// <summary>The invitee opens the mailed link signed out, signs in on the way, and joins; their tab stays open on the members page.</summary>
    public static async Task<IPage> AcceptAsync(BrowserPortal portal, string email, string password, string organization)
    {
        var link = MailPickup.FirstLink(await MailPickup.WaitForMailToAsync(portal.MailDirectory, email));
        var page = await portal.NewPageAsync();
        await page.GotoAsync(link);
        await page.WaitForURLAsync(url => url.Contains("/Account/Login", StringComparison.Ordinal));
        await page.FillAsync("[name='Input.Email']", email);
        await page.FillAsync("[name='Input.Password']", password);
        await page.ClickAsync("#login-submit");
        await page.WaitForURLAsync(url => url.Contains("/organization/join", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#organization-join-offer")).ToContainTextAsync(organization);
        await page.ClickAsync("#organization-join-accept");
        await page.WaitForURLAsync(url => url.EndsWith("/members", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#organization-active")).ToHaveTextAsync(organization);
        await page.Locator("#organization-members-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
    }
}
