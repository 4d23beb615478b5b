using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Billing;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;

namespace PromptLeo.Tests.Browser;

/// <summary>
/// Issue 18's "Done when" in one browser walk: an owner creates a company, invites two members who join by the mailed
/// links, sets the organization's and a member's budget, accepts the DPA once for everyone, both members chat through
/// keys they created, and the monthly job issues one invoice the owner downloads as PDF, XRechnung and ZUGFeRD.
/// </summary>
public sealed class OrganizationDoneWhenTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    private const string Password = "Done-When-Organization-Passw0rd";

    private const string Company = "Elbufer Logistik GmbH";

    [Fact]
    public async Task OrganizationWalk_CreateInviteBudgetDpaUsage_OneMonthlyInvoiceInThreeFormats()
    {
        // A list price that makes a few tokens worth a few cents, so the month has something to invoice.
        await portal.Services.GetRequiredService<PriceList>().SetAsync("demo-chat", 2000m, 2000m, 0m, "test");
        var owner = await OrganizationWalk.AccountAsync(portal, "owner", Password);
        var first = await OrganizationWalk.AccountAsync(portal, "first", Password);
        var second = await OrganizationWalk.AccountAsync(portal, "second", Password);
        var page = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(page, owner, Password);
        await OrganizationWalk.CreateAsync(page, Company);
        await OrganizationWalk.InviteAsync(page, first, role: null);
        await OrganizationWalk.InviteAsync(page, second, role: null);
        var firstTab = await OrganizationWalk.AcceptAsync(portal, first, Password, Company);
        var secondTab = await OrganizationWalk.AcceptAsync(portal, second, Password, Company);
        var organizationId = await ReadAsync(db => db.Organizations.Where(o => o.Name == Company).Select(o => o.Id).SingleAsync());

        // Budgets: 100 EUR for the organization on /billing, 5 EUR for the first member on the members page.
        await page.GotoAsync("/billing");
        await page.Locator("#billing-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.FillAsync("#billing-budget", "100");
        await page.Locator("#billing-budget").BlurAsync();
        await page.ClickAsync("#billing-save");
        await EventuallyAsync(() => ReadAsync(db => db.Organizations.Where(o => o.Id == organizationId).Select(o => o.MonthlyBudgetMicros).SingleAsync()), (long?)Money.FromEuro(100m));
        await page.GotoAsync("/organization/members");
        await page.Locator("#organization-members-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var budget = page.Locator("#organization-members-table tbody tr", new() { HasText = first }).Locator(".pl-member-budget input");
        await budget.FillAsync("5");
        await budget.BlurAsync();
        await EventuallyAsync(() => ReadAsync(db => db.OrganizationMembers.Where(m => m.OrganizationId == organizationId && db.Users.Any(u => u.Id == m.UserId && u.Email == first)).Select(m => m.MonthlyBudgetMicros).SingleAsync()), (long?)Money.FromEuro(5m));

        // One DPA, accepted by the owner for the whole organization: the member sees it accepted and has nothing to accept.
        await page.GotoAsync("/privacy/dpa");
        await Assertions.Expect(page.Locator("#dpa-company")).ToContainTextAsync(Company);
        await page.CheckAsync("#Input\\.Accept");
        await page.ClickAsync("#dpa-submit");
        await Assertions.Expect(page.Locator("#dpa-page-status")).ToContainTextAsync(Company);
        await firstTab.GotoAsync("/privacy/dpa");
        await Assertions.Expect(firstTab.Locator("#dpa-page-status")).ToContainTextAsync(Company);
        await Assertions.Expect(firstTab.Locator("#dpa-submit")).ToHaveCountAsync(0);
        await Assertions.Expect(firstTab.Locator("#Input\\.Accept")).ToHaveCountAsync(0);
        await BrowserPortal.ScreenshotAsync(firstTab, "org-done-when-member-dpa-1280");
        Assert.Equal(1, await ReadAsync(db => db.DpaAcceptances.CountAsync(a => a.OrganizationId == organizationId)));

        // Both members create a key of the organization in the UI and chat with the demo model through /v1.
        foreach (var tab in new[] { firstTab, secondTab })
        {
            await ChatThroughNewKeyAsync(tab);
        }
        var usage = await ReadAsync(db => db.UsageEvents.Where(u => u.OrganizationId == organizationId).ToListAsync());
        Assert.Equal(2, usage.Select(u => u.UserId).Distinct().Count());
        Assert.All(usage, u => Assert.NotNull(u.ApiKeyId));

        // The monthly job, run at the start of next month, invoices last month: once, however often it runs.
        var issuer = portal.Services.GetRequiredService<InvoiceIssuer>();
        var lastMonthFromNextMonth = UsageLedger.MonthStart(DateTimeOffset.UtcNow).AddMonths(1).AddMonths(-1);
        await issuer.IssueMonthAsync(lastMonthFromNextMonth);
        await issuer.IssueMonthAsync(lastMonthFromNextMonth);
        var invoice = Assert.Single(await ReadAsync(db => db.Invoices.Where(i => i.OrganizationId == organizationId).ToListAsync()));
        Assert.Equal(InvoiceIssuer.RoundToCents(usage.Sum(u => u.AmountMicros)), invoice.NetMicros);

        // The owner downloads all three from the billing page, with the browser's session.
        await page.GotoAsync("/billing");
        await page.Locator("#billing-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var row = page.Locator($"#billing-invoices tr.billing-invoice-downloads[data-invoice='{invoice.Number}']");
        var pdf = await DownloadAsync(page, row.Locator(".billing-invoice-pdf"), "application/pdf");
        Assert.Equal(invoice.Pdf, pdf);
        var xml = await DownloadAsync(page, row.Locator(".billing-invoice-xml"), "application/xml");
        Assert.Empty(EInvoiceTests.SchemaErrors(xml));
        XNamespace ram = CiiInvoiceWriter.Ram;
        Assert.Equal(Company, XDocument.Load(new MemoryStream(xml)).Descendants(ram + "BuyerTradeParty").Single().Element(ram + "Name")!.Value);
        var zugferd = await DownloadAsync(page, row.Locator(".billing-invoice-zugferd"), "application/pdf");
        using (var document = UglyToad.PdfPig.PdfDocument.Open(zugferd))
        {
            Assert.True(document.Advanced.TryGetEmbeddedFiles(out var files));
            var embedded = Assert.Single(files);
            Assert.Equal("factur-x.xml", embedded.Name);
            Assert.Empty(EInvoiceTests.SchemaErrors(embedded.Bytes.ToArray()));
        }
        // All three links on screen, on a desktop in English and on a phone in German.
        foreach (var (width, culture, zugferdLabel) in new[] { (1280, "en", "ZUGFeRD (PDF with XML)"), (390, "de", "ZUGFeRD (PDF mit XML)") })
        {
            await ComplianceWalkTests.SetPreferencesAsync(page, portal.BaseUrl, culture, "light");
            await page.SetViewportSizeAsync(width, width < 600 ? 844 : 900);
            await page.GotoAsync("/billing");
            await page.Locator("#billing-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            await Assertions.Expect(row.Locator(".billing-invoice-zugferd")).ToHaveTextAsync(zugferdLabel);
            // The table scrolls sideways inside its own box: each link must lie within that box, not only within the screen.
            var table = (await page.Locator("#billing-invoices").BoundingBoxAsync())!;
            foreach (var link in new[] { ".billing-invoice-pdf", ".billing-invoice-xml", ".billing-invoice-zugferd" })
            {
                var box = await row.Locator(link).BoundingBoxAsync();
                Assert.True(box is not null && box.X >= table.X && box.X + box.Width <= Math.Min(width, table.X + table.Width), $"{link} at {box?.X}+{box?.Width} lies outside the invoice table {table.X}+{table.Width} at {width} px");
            }
            await BrowserPortal.ScreenshotAsync(page, $"org-done-when-billing-{culture}-{width}");
        }

        // The organization's audit log (still German, on the phone) names the walk's actions in words.
        await page.GotoAsync("/organization/audit");
        await page.Locator("#organization-audit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.Locator("#organization-audit-table [data-action='org.dpa-accepted']")).ToHaveTextAsync("AVV akzeptiert");
        await Assertions.Expect(page.Locator("#organization-audit-table [data-action='org.member-joined']").First).ToHaveTextAsync("Mitglied beigetreten");
        await Assertions.Expect(page.Locator("#organization-audit-table [data-action='apikey.created']").First).ToHaveTextAsync("API-Schlüssel erstellt");
        await ComplianceWalkTests.AssertNothingSticksOutAsync(page, "org-done-when-audit-de-390");
        await BrowserPortal.ScreenshotAsync(page, "org-done-when-audit-de-390");
        Assert.Empty(portal.ConsoleErrors);
    }

    private async Task ChatThroughNewKeyAsync(IPage tab)
    {
        await tab.GotoAsync("/api-keys");
        await tab.Locator("#api-keys-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(tab.Locator("#api-keys-organization")).ToContainTextAsync(Company);
        await tab.Locator("#api-key-name").FillAsync("walk key");
        await tab.ClickAsync("#api-key-create");
        var secret = await tab.Locator("#api-key-secret").InputValueAsync();
        using var api = new HttpClient { BaseAddress = new Uri(portal.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        var body = """{"model":"demo-chat","max_tokens":4,"messages":[{"role":"user","content":"ship the pallets"}]}""";
        var completion = await api.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.OK, completion.StatusCode);
    }

    /// <summary>Follows the link the page shows with the page's own cookies and checks what comes back.</summary>
    private static async Task<byte[]> DownloadAsync(IPage page, ILocator link, string contentType)
    {
        var href = await link.GetAttributeAsync("href");
        Assert.NotNull(href);
        var response = await page.Context.APIRequest.GetAsync(href);
        Assert.Equal(200, response.Status);
        Assert.StartsWith(contentType, response.Headers["content-type"], StringComparison.Ordinal);
        return await response.BodyAsync();
    }

    private async Task<T> ReadAsync<T>(Func<AppDbContext, Task<T>> read)
    {
        await using var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await read(db);
    }

    // A Blazor event writes after the click returns; give it a few seconds.
    private static async Task EventuallyAsync<T>(Func<Task<T>> read, T expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!EqualityComparer<T>.Default.Equals(await read(), expected) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Equal(expected, await read());
    }
}
