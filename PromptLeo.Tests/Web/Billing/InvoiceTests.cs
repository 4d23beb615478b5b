using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using UglyToad.PdfPig;
using static PromptLeo.Tests.Web.Api.ChatCompletionsApiTests;

namespace PromptLeo.Tests.Web.Billing;

/// <summary>A seller that is no longer the shipped example, so invoices print it (see <see cref="InvoiceSellerTests"/>).</summary>
public sealed class SellerPortalFactory : ApiPortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["Invoicing:SellerName"] = "Lindenhof KI Dienste GmbH",
        ["Invoicing:SellerStreet"] = "Hanauer Landstraße 291",
        ["Invoicing:SellerVatId"] = "DE287654321",
        ["Invoicing:SellerPhone"] = "+49 69 4711 0",
        ["Invoicing:SellerEmail"] = "rechnung@lindenhof-ki.de",
    };
}

/// <summary>Customers with billing fields and one metered chat request this month, ready to be invoiced.</summary>
public static class InvoiceCustomers
{
    public static async Task<(string UserId, string Email)> WithUsageAsync(ApiPortalFactory factory, string company, string country, string? vatId, Action<ApplicationUser>? profile = null)
    {
        var email = $"invoice-{Guid.NewGuid():N}@promptleo.test";
        var userId = await factory.CreateUserAsync(email);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = (await users.FindByIdAsync(userId))!;
            user.CompanyName = company;
            user.BillingStreet = "Hauptstraße 5";
            user.BillingPostalCode = "10115";
            user.BillingCity = "Berlin";
            user.BillingCountry = country;
            user.VatId = vatId;
            profile?.Invoke(user);
            await users.UpdateAsync(user);
        }
        // A high price makes the amounts visible in whole cents.
        await factory.Services.GetRequiredService<PriceList>().SetAsync(ApiPortalFactory.ChatModel, 2000m, 2000m, 0m, "test");
        var key = await factory.CreateKeyAsync(userId);
        var response = await factory.ClientWithKey(key.Secret).PostAsync("/v1/chat/completions",
            Json(new { model = ApiPortalFactory.ChatModel, max_tokens = 4, messages = new[] { new { role = "user", content = "invoice me" } } }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (userId, email);
    }
}

public sealed class InvoiceTests(SellerPortalFactory factory) : IClassFixture<SellerPortalFactory>
{
    private InvoiceIssuer Issuer => factory.Services.GetRequiredService<InvoiceIssuer>();

    private Task<(string UserId, string Email)> CustomerWithUsageAsync(string company, string country, string? vatId) =>
        InvoiceCustomers.WithUsageAsync(factory, company, country, vatId);

    private static string PdfText(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return string.Join("\n", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }

    [Fact]
    public async Task Invoice_GermanCustomer_HasParagraph14FieldsAnd19PercentVat()
    {
        var (userId, _) = await InvoiceCustomers.WithUsageAsync(factory, "Muster GmbH", "DE", "DE123456789", u => u.PreferredLanguage = "de");
        var invoice = await Issuer.IssueAsync(userId, DateTimeOffset.UtcNow);
        Assert.NotNull(invoice);
        Assert.Equal("de", invoice.Language);
        var spent = (await factory.UsageEventsAsync(userId)).Sum(e => e.AmountMicros);
        Assert.Equal(InvoiceIssuer.RoundToCents(spent), invoice.NetMicros);
        Assert.True(invoice.NetMicros > 0);
        Assert.Equal(19, invoice.VatRatePercent);
        Assert.Equal(invoice.NetMicros + invoice.VatMicros, invoice.GrossMicros);
        Assert.False(invoice.ReverseCharge);

        var text = PdfText(invoice.Pdf);
        Assert.Contains(invoice.Number, text);
        Assert.Contains("Lindenhof KI Dienste GmbH", text);
        Assert.Contains("DE287654321", text);
        Assert.Contains("Muster GmbH", text);
        Assert.Contains("DE123456789", text);
        Assert.Contains("Leistungszeitraum", text);
        var start = UsageLedger.MonthStart(DateTimeOffset.UtcNow);
        Assert.Contains(start.ToString("dd.MM.yyyy"), text);
        Assert.Contains(InvoiceDocument.Eur(invoice.NetMicros, new PromptLeo.Web.Features.Reports.ReportText("de")), text);
        Assert.Contains(InvoiceDocument.Eur(invoice.GrossMicros, new PromptLeo.Web.Features.Reports.ReportText("de")), text);
        Assert.Contains("19 %", text);
        Assert.DoesNotContain("Reverse", text);

        // Issuing again returns the same invoice: immutable, no second number.
        Assert.Equal(invoice.Number, (await Issuer.IssueAsync(userId, DateTimeOffset.UtcNow))!.Number);
        await SavePngAsync(invoice.Pdf, "invoice");
    }

    [Fact]
    public async Task Invoice_EuBusinessOutsideGermany_IsReverseChargeWithZeroVat()
    {
        var (userId, _) = await CustomerWithUsageAsync("Exemple SARL", "FR", "FR12345678901");
        var invoice = (await Issuer.IssueAsync(userId, DateTimeOffset.UtcNow))!;
        Assert.True(invoice.ReverseCharge);
        Assert.Equal(0, invoice.VatMicros);
        Assert.Equal(invoice.NetMicros, invoice.GrossMicros);
        var text = PdfText(invoice.Pdf);
        Assert.Equal("en", invoice.Language);
        Assert.Contains("Reverse charge", text);
        Assert.Contains("Art. 196", text);
        Assert.Contains("13b", text);
        Assert.Contains("FR12345678901", text);
        await SavePngAsync(invoice.Pdf, "invoice-reverse-charge");
    }

    [Fact]
    public async Task InvoiceNumbers_AreGapless_AcrossInvoicesAndCreditNotes()
    {
        var first = (await CustomerWithUsageAsync("A GmbH", "DE", null)).UserId;
        var second = (await CustomerWithUsageAsync("B GmbH", "DE", null)).UserId;
        var a = (await Issuer.IssueAsync(first, DateTimeOffset.UtcNow))!;
        var b = (await Issuer.IssueAsync(second, DateTimeOffset.UtcNow))!;
        var note = await Issuer.IssueCreditNoteAsync(a.Id);
        Assert.Equal(a.Id, note.CorrectsInvoiceId);
        Assert.Equal(-a.GrossMicros, note.GrossMicros);
        Assert.Contains(a.Number, PdfText(note.Pdf));

        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var sequences = (await db.Invoices.Select(i => i.Sequence).ToListAsync()).Order().ToList();
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        Assert.True(b.Sequence > a.Sequence && note.Sequence > b.Sequence);
    }

    [Theory]
    [InlineData("de", "Rechnung", "Leistungszeitraum", "Chat: demo-chat (1 Anfrage)", "Invoice")]
    [InlineData("en", "Invoice", "Service period", "Chat: demo-chat (1 request)", "Rechnung")]
    public async Task InvoicePdf_Download_InTheBuyersLanguageOnly(string language, string title, string period, string line, string otherTitle)
    {
        var (userId, email) = await InvoiceCustomers.WithUsageAsync(factory, "Sprach GmbH", "DE", null, u => u.PreferredLanguage = language);
        var invoice = (await Issuer.IssueAsync(userId, DateTimeOffset.UtcNow))!;
        Assert.Equal(language, invoice.Language);
        var client = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(client, email, "Api-Passw0rd!")).StatusCode);

        var text = PdfText(await client.GetByteArrayAsync($"/billing/invoices/{invoice.Id}.pdf"));

        Assert.Contains($"{title} {invoice.Number}", text);
        Assert.Contains(period, text);
        Assert.Contains(line, text);
        Assert.DoesNotContain(otherTitle, text);
        var start = UsageLedger.MonthStart(DateTimeOffset.UtcNow).UtcDateTime;
        Assert.Contains(start.ToString(language == "de" ? "dd.MM.yyyy" : "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), text);
        var gross = InvoiceDocument.Eur(invoice.GrossMicros, new PromptLeo.Web.Features.Reports.ReportText(language));
        Assert.Contains(gross, text);
        Assert.Equal(language == "de" ? " €" : "€", language == "de" ? gross[^2..] : gross[..1]);
        await SavePngAsync(invoice.Pdf, $"invoice-{language}");
    }

    [Fact]
    public async Task CreditNote_AfterLanguageChange_KeepsTheLanguageOfTheInvoiceItCorrects()
    {
        var (userId, _) = await InvoiceCustomers.WithUsageAsync(factory, "Wechsel GmbH", "DE", null, u => u.PreferredLanguage = "de");
        var invoice = (await Issuer.IssueAsync(userId, DateTimeOffset.UtcNow))!;
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.PreferredLanguage, "en"));
        }

        var note = await Issuer.IssueCreditNoteAsync(invoice.Id);

        Assert.Equal("de", note.Language);
        var text = PdfText(note.Pdf);
        Assert.Contains($"Stornorechnung {note.Number}", text);
        Assert.Contains($"Storno der Rechnung {invoice.Number}", text);
        Assert.DoesNotContain("Cancellation", text);
    }

    [Fact]
    public async Task InvoicePdf_Download_OwnerOnly()
    {
        var (owner, ownerEmail) = await CustomerWithUsageAsync("Owner GmbH", "DE", null);
        var invoice = (await Issuer.IssueAsync(owner, DateTimeOffset.UtcNow))!;
        var (_, otherEmail) = await CustomerWithUsageAsync("Other GmbH", "DE", null);

        var ownerClient = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(ownerClient, ownerEmail, "Api-Passw0rd!")).StatusCode);
        var pdf = await ownerClient.GetAsync($"/billing/invoices/{invoice.Id}.pdf");
        Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType!.MediaType);

        var otherClient = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(otherClient, otherEmail, "Api-Passw0rd!")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherClient.GetAsync($"/billing/invoices/{invoice.Id}.pdf")).StatusCode);
    }

    private static async Task SavePngAsync(byte[] pdf, string name)
    {
        var dir = SourceTree.ArtifactsDirectory;
        var pdfPath = Path.Combine(dir, name + ".pdf");
        await File.WriteAllBytesAsync(pdfPath, pdf);
        using var process = Process.Start(new ProcessStartInfo("/usr/bin/pdftoppm", ["-png", "-r", "80", "-singlefile", pdfPath, Path.Combine(dir, name)]) { RedirectStandardError = true })!;
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        Assert.True(File.Exists(Path.Combine(dir, name + ".png")));
    }
}
