using System.Text.RegularExpressions;
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
    public async Task NewKey_CopySnippetsEditAndFilteredBilling_OnDesktopAndPhone_InBothLanguagesAndThemes()
    {
        var email = $"snippets.{Guid.NewGuid():N}@example.de";
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.True((await users.CreateAsync(new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true }, Password)).Succeeded);
        }
        var page = await portal.NewPageAsync();
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = portal.BaseUrl });
        await BrowserPortal.LoginAsync(page, email, Password);
        await page.GotoAsync("/api-keys");
        await page.Locator("#api-keys-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.Locator(".api-key-scope-help li[data-scope='knowledge']").First).ToContainTextAsync("/v1/collections");
        await page.Locator("#api-key-name").FillAsync("snippet key");
        await page.ClickAsync("#api-key-create");
        var secret = await page.Locator("#api-key-secret").InputValueAsync();
        Assert.StartsWith("pl_", secret);

        // Copy puts the key on the clipboard and says so; the snippets carry this portal's /v1 and the key.
        await page.ClickAsync("#api-key-copy");
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Key copied.");
        Assert.Equal(secret, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        var baseUrl = portal.BaseUrl.TrimEnd('/') + "/v1";
        var curl = page.Locator(".api-key-snippet[data-snippet='curl']");
        await Assertions.Expect(curl).ToContainTextAsync($"curl {baseUrl}/chat/completions");
        await Assertions.Expect(curl).ToContainTextAsync($"Bearer {secret}");
        await page.Locator("#api-key-snippets").GetByText("Python (openai)").ClickAsync();
        await Assertions.Expect(page.Locator(".api-key-snippet[data-snippet='python']")).ToContainTextAsync($"OpenAI(base_url=\"{baseUrl}\", api_key=\"{secret}\")");
        await page.Locator("#api-key-snippets").GetByText("JavaScript (openai)").ClickAsync();
        await Assertions.Expect(page.Locator(".api-key-snippet[data-snippet='javascript']")).ToContainTextAsync($"baseURL: \"{baseUrl}\", apiKey: \"{secret}\"");
        await BrowserPortal.ScreenshotAsync(page, "api-keys-new-key-snippets");
        // The snippets' long lines scroll inside their box; the page itself stays as wide as the window.
        var wide = await page.EvaluateAsync<string>("""
            () => document.documentElement.scrollWidth <= window.innerWidth + 1 ? "" : [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8)
              .map(e => `${e.tagName}.${[...e.classList].join('.')}#${e.id} (${Math.round(e.getBoundingClientRect().right)})`).join(', ')
            """);
        Assert.True(wide.Length == 0, "the new key's snippets widen the keys page: " + wide);

        // Edit: rename, set a budget and drop the images scope.
        await page.ClickAsync("#api-key-secret-done");
        var row = page.Locator("#api-keys-table tbody tr").Filter(new() { HasText = "snippet key" });
        await row.Locator(".api-key-edit").ClickAsync();
        await page.Locator("#api-key-edit-name").FillAsync("renamed key");
        await page.Locator("#api-key-edit-budget").FillAsync("9");
        await page.Locator("#api-key-edit-budget").BlurAsync();
        await page.Locator(".mud-dialog").GetByText("Images", new() { Exact = true }).ClickAsync();
        await BrowserPortal.ScreenshotAsync(page, "api-keys-edit-dialog");
        await page.ClickAsync("#api-key-edit-save");
        var renamed = page.Locator("#api-keys-table tbody tr").Filter(new() { HasText = "renamed key" });
        await Assertions.Expect(renamed.Locator(".api-key-scopes")).ToHaveTextAsync("Chat");
        await Assertions.Expect(renamed.Locator(".api-key-budget")).ToContainTextAsync("9.00");

        // One chat request through the key, then the billing page filtered to the key and to the portal.
        using var api = new HttpClient { BaseAddress = new Uri(portal.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"demo-chat","max_tokens":4,"messages":[{"role":"user","content":"hello"}]}""", Encoding.UTF8, "application/json"))).StatusCode);
        await page.GotoAsync("/billing");
        await page.Locator("#billing-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.Locator("#billing-forecast-method")).ToContainTextAsync("divided by the days elapsed");
        await page.ClickAsync("#billing-source .mud-select");
        await page.Locator(".mud-popover-open").GetByText("Portal (no key)").ClickAsync();
        await Assertions.Expect(page.Locator("#billing-source input")).ToHaveValueAsync("Portal (no key)");
        await page.ClickAsync("#billing-apply");
        await page.WaitForURLAsync(url => url.Contains("key=portal"));
        await Assertions.Expect(page.Locator("#billing-ledger .billing-ledger-row")).ToHaveCountAsync(0);
        await page.ClickAsync("#billing-source .mud-select");
        await page.Locator(".mud-popover-open").GetByText("renamed key").ClickAsync();
        await Assertions.Expect(page.Locator("#billing-source input")).ToHaveValueAsync(new Regex("^renamed key"));
        await page.ClickAsync("#billing-apply");
        await page.WaitForURLAsync(url => !url.Contains("key=portal"));
        await Assertions.Expect(page.Locator("#billing-ledger .billing-ledger-row")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#billing-ledger .billing-ledger-usage")).ToContainTextAsync("tokens in,");
        await Assertions.Expect(page.Locator("#billing-ledger .billing-ledger-source")).ToContainTextAsync("renamed key");
        var filtered = page.Url;
        await BrowserPortal.ScreenshotAsync(page, "billing-filtered-en-light");
        await page.GotoAsync("/billing?from=2026-03-31&to=2026-03-01");
        await Assertions.Expect(page.Locator("#billing-range-error")).ToContainTextAsync("must not be after its end");

        // The same on a 390 px phone in German and dark: cards, nothing sideways, every action on screen.
        var phone = await portal.NewPageAsync(390, 844);
        await BrowserPortal.LoginAsync(phone, email, Password);
        await phone.Context.AddCookiesAsync(
        [
            new Microsoft.Playwright.Cookie { Name = ".AspNetCore.Culture", Value = "c=de|uic=de", Url = portal.BaseUrl },
            new Microsoft.Playwright.Cookie { Name = "PromptLeo.Theme", Value = "dark", Url = portal.BaseUrl },
        ]);
        await phone.GotoAsync("/api-keys");
        await phone.Locator("#api-keys-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var card = phone.Locator("#api-keys-table tbody tr").Filter(new() { HasText = "renamed key" });
        await Assertions.Expect(card.Locator(".api-key-edit")).ToBeVisibleAsync();
        await Assertions.Expect(card.Locator(".api-key-revoke")).ToBeVisibleAsync();
        await Assertions.Expect(phone.Locator("#api-keys-table thead")).ToBeHiddenAsync();
        Assert.False(await phone.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1"), "the keys page scrolls sideways on a phone");
        await BrowserPortal.ScreenshotAsync(phone, "api-keys-phone-de-dark");
        await phone.GotoAsync(filtered);
        await phone.Locator("#billing-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(phone.Locator("#billing-ledger .billing-ledger-usage")).ToContainTextAsync("Tokens Eingabe");
        await Assertions.Expect(phone.Locator("#billing-forecast")).ToContainTextAsync("Prognose für diesen Monat");
        await Assertions.Expect(phone.Locator("#billing-apply")).ToBeVisibleAsync();
        Assert.False(await phone.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1"), "the billing page scrolls sideways on a phone");
        await BrowserPortal.ScreenshotAsync(phone, "billing-filtered-phone-de-dark");
        Assert.True(portal.ConsoleErrors.IsEmpty, string.Join("\n", portal.ConsoleErrors));
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
