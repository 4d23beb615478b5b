using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;

namespace PromptLeo.Tests.Browser;

/// <summary>API keys and billing as a person clicks them: create a key, use it, see the ledger, export CSV, revoke.</summary>
public sealed class BillingBrowserTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    private const string Password = "Billing-Passw0rd-1";

    [Fact]
    public async Task ApiKeys_CreateShowOnceUseRevoke_BillingShowsLedgerAndCsv()
    {
        var email = $"billing.{Guid.NewGuid():N}@example.de";
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.True((await users.CreateAsync(new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true }, Password)).Succeeded);
        }
        var page = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(page, email, Password);

        await page.GotoAsync("/api-keys");
        await page.Locator("#api-keys-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator("#api-key-name").FillAsync("browser key");
        await page.ClickAsync("#api-key-create");
        var secretField = page.Locator("#api-key-secret");
        await Assertions.Expect(secretField).ToBeVisibleAsync();
        var secret = await secretField.InputValueAsync();
        Assert.StartsWith("pl_", secret);
        await Assertions.Expect(page.Locator("#api-keys-table")).ToContainTextAsync("browser key");
        await BrowserPortal.ScreenshotAsync(page, "api-keys");

        // Use the key from outside the browser, as a client program would.
        using var api = new HttpClient { BaseAddress = new Uri(portal.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        var completion = await api.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"demo-chat","max_tokens":4,"messages":[{"role":"user","content":"hello"}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);

        // Shown once: after leaving the page the secret is gone, only the prefix remains.
        await page.ClickAsync("#api-key-secret-done");
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#api-key-secret")).ToHaveCountAsync(0);
        Assert.DoesNotContain(secret, await page.ContentAsync());

        await page.GotoAsync("/billing");
        await page.Locator("#billing-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.Locator("#billing-ledger .billing-ledger-row")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#billing-ledger")).ToContainTextAsync("demo-chat");
        await Assertions.Expect(page.Locator("#billing-keys")).ToContainTextAsync("browser key");
        await BrowserPortal.ScreenshotAsync(page, "billing");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#billing-csv"));
        var path = await download.PathAsync();
        var csv = await File.ReadAllTextAsync(path);
        Assert.StartsWith("time_utc,request_id", csv);
        Assert.Contains("demo-chat", csv);
        Assert.Equal(2, csv.Trim().Split('\n').Length);

        await page.GotoAsync("/api-keys");
        await page.Locator("#api-keys-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator(".api-key-revoke").First.ClickAsync();
        await Assertions.Expect(page.Locator(".api-key-status").First).ToContainTextAsync("revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/v1/models")).StatusCode);
        Assert.Empty(portal.ConsoleErrors);
    }

    [Fact]
    public async Task ApiReference_LoadsUnderCsp()
    {
        var page = await portal.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        page.Response += (_, r) => { if (r.Status >= 400) errors.Add($"{r.Status} {r.Url}"); };
        var response = await page.GotoAsync("/api-docs");
        Assert.Equal(200, response!.Status);
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("OpenAI-compatible API", new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("body")).Not.ToContainTextAsync("/Account/Logout");
        await BrowserPortal.ScreenshotAsync(page, "api-reference");
        Assert.Empty(errors);
    }
}
