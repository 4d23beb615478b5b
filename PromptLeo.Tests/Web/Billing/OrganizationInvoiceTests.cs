using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Organizations;

namespace PromptLeo.Tests.Web.Billing;

/// <summary>The organization as the invoiced party: one invoice a month for all members and keys, three formats, mail and downloads by role.</summary>
public sealed class OrganizationInvoiceTests(SellerPortalFactory factory) : IClassFixture<SellerPortalFactory>
{
    private static readonly XNamespace Ram = CiiInvoiceWriter.Ram;

    private OrganizationDirectory Directory => factory.Services.GetRequiredService<OrganizationDirectory>();

    private InvoiceIssuer Issuer => factory.Services.GetRequiredService<InvoiceIssuer>();

    private async Task<AppDbContext> DbAsync() => await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    private async Task<(string UserId, string Email)> PersonAsync(string role)
    {
        var email = $"org-{role}-{Guid.NewGuid():N}@promptleo.test";
        return (await factory.CreateUserAsync(email), email);
    }

    private async Task AddMemberAsync(Guid organizationId, string userId, OrganizationRole role)
    {
        await using var db = await DbAsync();
        db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = organizationId, UserId = userId, Role = role });
        await db.SaveChangesAsync();
    }

    // A real metered request through a key of the organization the member acts for.
    private async Task ChatThroughNewKeyAsync(string userId, Guid organizationId)
    {
        Assert.True(await Directory.SetActiveAsync(userId, organizationId));
        var key = await factory.CreateKeyAsync(userId);
        var response = await factory.ClientWithKey(key.Secret).PostAsJsonAsync("/v1/chat/completions",
            new { model = ApiPortalFactory.ChatModel, max_tokens = 4, messages = new[] { new { role = "user", content = "invoice the company" } } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<HttpClient> SignedInAsync(string email)
    {
        var client = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(client, email, ApiPortalFactory.UserPassword)).StatusCode);
        return client;
    }

    private static string Value(XDocument doc, string element) => doc.Descendants(Ram + element).Single().Value;

    [Fact]
    public async Task IssueMonth_TwoMembersTwoKeys_OneInvoiceForTheOrganizationInThreeFormatsMailedToOwnersAndBilling()
    {
        await factory.Services.GetRequiredService<PriceList>().SetAsync(ApiPortalFactory.ChatModel, 2000m, 2000m, 0m, "test");
        var owner = await PersonAsync("owner");
        var member = await PersonAsync("member");
        var billing = await PersonAsync("billing");
        var outsider = await PersonAsync("outsider");
        var organizationId = await Directory.CreateAsync(owner.UserId, new OrganizationDetails("Brückenbau Schulze GmbH", "Torstraße 7", "10119", "Berlin", "DE", "DE123456789", "de"));
        await using (var db = await DbAsync())
        {
            await db.Organizations.Where(o => o.Id == organizationId).ExecuteUpdateAsync(s => s.SetProperty(o => o.EInvoiceFormat, EInvoiceFormat.XRechnung).SetProperty(o => o.LeitwegId, "991-12345-67"));
        }
        await AddMemberAsync(organizationId, member.UserId, OrganizationRole.Member);
        await AddMemberAsync(organizationId, billing.UserId, OrganizationRole.Billing);
        await ChatThroughNewKeyAsync(owner.UserId, organizationId);
        await ChatThroughNewKeyAsync(member.UserId, organizationId);

        await Issuer.IssueMonthAsync(DateTimeOffset.UtcNow);
        await Issuer.IssueMonthAsync(DateTimeOffset.UtcNow);

        await using var check = await DbAsync();
        var usage = await check.UsageEvents.Where(u => u.OrganizationId == organizationId).ToListAsync();
        Assert.Equal(2, usage.Select(u => u.UserId).Distinct().Count());
        Assert.Equal(2, usage.Select(u => u.ApiKeyId).Distinct().Count());
        var invoice = Assert.Single(await check.Invoices.Where(i => i.OrganizationId == organizationId).ToListAsync());
        Assert.Equal(InvoiceIssuer.RoundToCents(usage.Sum(u => u.AmountMicros)), invoice.NetMicros);
        Assert.Equal(InvoiceArchive.Unlinked, invoice.UserId);
        Assert.Equal(("de", "19"), (invoice.Language, invoice.VatRatePercent.ToString("0", CultureInfo.InvariantCulture)));
        var text = PdfArtifacts.Text(invoice.Pdf);
        Assert.Contains("Brückenbau Schulze GmbH", text);
        Assert.Contains("Torstraße 7", text);
        Assert.Contains("DE123456789", text);
        Assert.Contains("(2 Anfragen)", text);

        var ownerClient = await SignedInAsync(owner.Email);
        Assert.Equal(invoice.Pdf, await ownerClient.GetByteArrayAsync($"/billing/invoices/{invoice.Id}.pdf"));
        var xml = await ownerClient.GetByteArrayAsync($"/billing/invoices/{invoice.Id}.xml");
        Assert.Empty(EInvoiceTests.SchemaErrors(xml));
        var xrechnung = XDocument.Load(new MemoryStream(xml));
        Assert.Equal(CiiInvoiceWriter.XRechnungGuideline, Value(xrechnung, "GuidelineSpecifiedDocumentContextParameter"));
        Assert.Equal("Brückenbau Schulze GmbH", xrechnung.Descendants(Ram + "BuyerTradeParty").Single().Element(Ram + "Name")!.Value);
        Assert.Equal("991-12345-67", Value(xrechnung, "BuyerReference"));
        Assert.Equal(billing.Email, xrechnung.Descendants(Ram + "BuyerTradeParty").Single().Descendants(Ram + "URIID").Single().Value);
        var zugferd = await ownerClient.GetByteArrayAsync($"/billing/invoices/{invoice.Id}/zugferd.pdf");
        using (var pdf = UglyToad.PdfPig.PdfDocument.Open(zugferd))
        {
            Assert.True(pdf.Advanced.TryGetEmbeddedFiles(out var files));
            var embedded = Assert.Single(files);
            Assert.Equal(FacturXDocument.FileName, embedded.Name);
            var facturX = embedded.Bytes.ToArray();
            Assert.Empty(EInvoiceTests.SchemaErrors(facturX));
            Assert.Equal(CiiInvoiceWriter.En16931Guideline, Value(XDocument.Load(new MemoryStream(facturX)), "GuidelineSpecifiedDocumentContextParameter"));
            Assert.Equal(CiiInvoiceWriter.WithGuideline(xml, EInvoiceFormat.Zugferd), facturX);
            Assert.True(pdf.TryGetXmpMetadata(out var xmp));
            Assert.Equal("3", xmp.GetXDocument().Descendants(XName.Get("part", "http://www.aiim.org/pdfa/ns/id/")).Single().Value);
            Assert.Contains(invoice.Number, string.Join(" ", pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text)));
        }
        // The XML is made from the stored invoice deterministically: a second download embeds the same bytes.
        using (var again = UglyToad.PdfPig.PdfDocument.Open(await ownerClient.GetByteArrayAsync($"/billing/invoices/{invoice.Id}/zugferd.pdf")))
        {
            Assert.True(again.Advanced.TryGetEmbeddedFiles(out var files));
            Assert.Equal(CiiInvoiceWriter.WithGuideline(xml, EInvoiceFormat.Zugferd), Assert.Single(files).Bytes.ToArray());
        }
        await File.WriteAllBytesAsync(Path.Combine(SourceTree.ArtifactsDirectory, "invoice-organization-zugferd.pdf"), zugferd);

        var billingClient = await SignedInAsync(billing.Email);
        Assert.Equal(HttpStatusCode.OK, (await billingClient.GetAsync($"/billing/invoices/{invoice.Id}.pdf")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await billingClient.GetAsync($"/billing/invoices/{invoice.Id}/zugferd.pdf")).StatusCode);
        foreach (var other in new[] { member.Email, outsider.Email })
        {
            var client = await SignedInAsync(other);
            foreach (var path in new[] { ".pdf", ".xml", "/zugferd.pdf" })
            {
                Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/billing/invoices/{invoice.Id}{path}")).StatusCode);
            }
        }

        foreach (var recipient in new[] { owner.Email, billing.Email })
        {
            var mail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, recipient);
            Assert.Contains(invoice.Number, mail.Subject);
            var attachments = mail.Attachments.OfType<MimeKit.MimePart>().Select(a => a.FileName).Order().ToList();
            Assert.Equal([invoice.Number + ".pdf", invoice.Number + ".xml"], attachments);
        }
        var mailed = await Task.WhenAll(System.IO.Directory.GetFiles(factory.MailDirectory, "*.eml").Select(f => MimeKit.MimeMessage.LoadAsync(f)));
        Assert.DoesNotContain(mailed, m => m.To.Mailboxes.Any(a => a.Address == member.Email || a.Address == outsider.Email));
        Assert.Equal(2, mailed.Count(m => (m.Subject ?? "").Contains(invoice.Number, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Issue_PrepaidAndPostpaidUsage_InvoicesBothAndShowsPrepaidAsSettled()
    {
        var (userId, _) = await InvoiceCustomers.WithUsageAsync(factory, "Vorkasse KG", "DE", "DE999999999");
        var organizationId = await Directory.PersonalIdAsync(userId);
        await using (var db = await DbAsync())
        {
            db.UsageEvents.Add(new UsageEvent { OrganizationId = organizationId, UserId = userId, ModelId = "demo-sd-tiny", Kind = "image", ImageCount = 1, AmountMicros = 3_000_000, Prepaid = true, RequestId = $"req_{Guid.NewGuid():N}", At = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        var invoice = (await Issuer.IssueAsync(organizationId, DateTimeOffset.UtcNow))!;

        Assert.True(invoice.NetMicros > 3_000_000);
        var doc = XDocument.Load(new MemoryStream(invoice.EInvoiceXml!));
        Assert.Empty(EInvoiceTests.SchemaErrors(invoice.EInvoiceXml!));
        decimal Amount(string name) => decimal.Parse(Value(doc, name), CultureInfo.InvariantCulture);
        Assert.Equal(3.00m, Amount("TotalPrepaidAmount"));
        Assert.Equal(Amount("GrandTotalAmount") - 3.00m, Amount("DuePayableAmount"));
        Assert.Equal(Money.ToEuro(invoice.GrossMicros), Amount("GrandTotalAmount"));
        var text = PdfArtifacts.Text(invoice.Pdf);
        Assert.Contains("Already settled from prepaid credit -€3.00", text);
        Assert.Contains("Amount due " + InvoiceDocument.Eur(invoice.GrossMicros - 3_000_000, new PromptLeo.Web.Features.Reports.ReportText("en")), text);
    }

    [Fact]
    public async Task Issue_OnlyPrepaidUsage_IssuesAVatInvoiceSettledInFull()
    {
        var userId = await factory.CreateUserAsync();
        var organizationId = await Directory.PersonalIdAsync(userId);
        await using (var db = await DbAsync())
        {
            var user = await db.Users.SingleAsync(u => u.Id == userId);
            (user.CompanyName, user.BillingCountry, user.VatId, user.BillingCity, user.BillingPostalCode, user.PreferredLanguage) = ("Guthaben SARL", "FR", "FR12345678901", "Paris", "75001", "en");
            db.UsageEvents.Add(new UsageEvent { OrganizationId = organizationId, UserId = userId, ModelId = ApiPortalFactory.ChatModel, Kind = "chat", OutputTokens = 10, AmountMicros = 4_000_000, Prepaid = true, RequestId = $"req_{Guid.NewGuid():N}", At = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        var invoice = (await Issuer.IssueAsync(organizationId, DateTimeOffset.UtcNow))!;

        // Reverse charge: no VAT, so the credit settled everything.
        Assert.Equal((4_000_000L, 0L, true), (invoice.NetMicros, invoice.VatMicros, invoice.ReverseCharge));
        var doc = XDocument.Load(new MemoryStream(invoice.EInvoiceXml!));
        Assert.Equal(("4.00", "0.00"), (Value(doc, "TotalPrepaidAmount"), Value(doc, "DuePayableAmount")));
        var text = PdfArtifacts.Text(invoice.Pdf);
        Assert.Contains("Nothing is due: prepaid credit settled this invoice in full.", text);
        Assert.DoesNotContain("Payable by", text);
    }

    [Fact]
    public async Task CreditNote_OrganizationInvoice_GoesToTheSameOrganization()
    {
        var owner = await PersonAsync("owner");
        var organizationId = await Directory.CreateAsync(owner.UserId, new OrganizationDetails("Storno AG", "Weg 1", "80331", "München", "DE", null, "en"));
        await ChatThroughNewKeyAsync(owner.UserId, organizationId);
        var invoice = (await Issuer.IssueAsync(organizationId, DateTimeOffset.UtcNow))!;

        var note = await Issuer.IssueCreditNoteAsync(invoice.Id);

        Assert.Equal((organizationId, invoice.Id, -invoice.NetMicros, "en"), (note.OrganizationId, note.CorrectsInvoiceId!.Value, note.NetMicros, note.Language));
        Assert.Empty(EInvoiceTests.SchemaErrors(note.EInvoiceXml!));
        var client = await SignedInAsync(owner.Email);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/billing/invoices/{note.Id}.pdf")).StatusCode);
        Assert.Contains("Storno AG", PdfArtifacts.Text(note.Pdf));
    }
}
