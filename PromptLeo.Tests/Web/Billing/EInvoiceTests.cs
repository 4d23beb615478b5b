using System.Globalization;
using System.Net;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Tokens;

namespace PromptLeo.Tests.Web.Billing;

/// <summary>XRechnung and ZUGFeRD invoices: valid against the CII D16B schemas, the key EN 16931 and XRechnung business rules, owner-only downloads.</summary>
public sealed class EInvoiceTests(SellerPortalFactory factory) : IClassFixture<SellerPortalFactory>
{
    private static readonly XNamespace Ram = CiiInvoiceWriter.Ram;
    private static readonly XNamespace Rsm = CiiInvoiceWriter.Rsm;

    private static readonly Lazy<XmlSchemaSet> CiiSchemas = new(() =>
    {
        var set = new XmlSchemaSet { XmlResolver = new XmlUrlResolver() };
        set.Add(CiiInvoiceWriter.Rsm, Path.Combine(AppContext.BaseDirectory, "Web", "Billing", "Schemas", "cii-d16b", "CrossIndustryInvoice_100pD16B.xsd"));
        set.Compile();
        return set;
    });

    private InvoiceIssuer Issuer => factory.Services.GetRequiredService<InvoiceIssuer>();

    private async Task<(Invoice Invoice, string Email)> IssueAsync(string country, string? vatId, EInvoiceFormat format, string? leitwegId = null)
    {
        var (userId, email) = await InvoiceCustomers.WithUsageAsync(factory, "E-Rechnung GmbH", country, vatId, u =>
        {
            u.EInvoiceFormat = format;
            u.LeitwegId = leitwegId;
        });
        return ((await Issuer.IssueAsync(userId, DateTimeOffset.UtcNow))!, email);
    }

    /// <summary>Schema errors and warnings (an element the schema does not know is a warning under lax processing).</summary>
    internal static List<string> SchemaErrors(byte[] xml)
    {
        var errors = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = CiiSchemas.Value, ValidationFlags = XmlSchemaValidationFlags.ReportValidationWarnings };
        settings.ValidationEventHandler += (_, e) => errors.Add($"{e.Severity}: {e.Message}");
        using var reader = XmlReader.Create(new MemoryStream(xml), settings);
        while (reader.Read())
        {
        }
        return errors;
    }

    private static decimal Amount(XElement parent, string name) => decimal.Parse(parent.Element(Ram + name)!.Value, CultureInfo.InvariantCulture);

    private static string Value(XContainer root, params string[] path) =>
        path.Skip(1).Aggregate((IEnumerable<XElement>)[.. root.Descendants(Ram + path[0])], (found, name) => found.Elements(Ram + name)).Single().Value;

    private static string Document(XDocument doc, string name) => doc.Root!.Element(Rsm + "ExchangedDocument")!.Element(Ram + name)!.Value;

    /// <summary>BR-CO-10 (lines add up), BR-CO-13/15 (net + VAT = gross), BR-CO-14 (VAT total = sum of breakdowns).</summary>
    private static void AssertTotalsConsistent(XDocument doc)
    {
        var sums = doc.Descendants(Ram + "SpecifiedTradeSettlementHeaderMonetarySummation").Single();
        var lineSum = doc.Descendants(Ram + "SpecifiedTradeSettlementLineMonetarySummation").Sum(l => Amount(l, "LineTotalAmount"));
        Assert.Equal(Amount(sums, "LineTotalAmount"), lineSum);
        Assert.Equal(Amount(sums, "LineTotalAmount"), Amount(sums, "TaxBasisTotalAmount"));
        Assert.Equal(Amount(sums, "GrandTotalAmount"), Amount(sums, "TaxBasisTotalAmount") + Amount(sums, "TaxTotalAmount"));
        Assert.Equal(Amount(sums, "GrandTotalAmount"), Amount(sums, "DuePayableAmount"));
        var breakdown = doc.Descendants(Ram + "ApplicableHeaderTradeSettlement").Elements(Ram + "ApplicableTradeTax").ToList();
        Assert.Equal(Amount(sums, "TaxTotalAmount"), breakdown.Sum(t => Amount(t, "CalculatedAmount")));
        Assert.Equal(Amount(sums, "TaxBasisTotalAmount"), breakdown.Sum(t => Amount(t, "BasisAmount")));
        Assert.All(doc.Descendants(Ram + "LineTotalAmount").Concat(doc.Descendants(Ram + "ChargeAmount")), a => Assert.True(a.Value.Split('.')[^1].Length <= 2, a.Value));
    }

    /// <summary>BR-DE-1..9, 15, 21: payment instructions, seller contact, addresses, buyer reference, specification identifier.</summary>
    private static void AssertXRechnungRules(XDocument doc)
    {
        Assert.Equal(CiiInvoiceWriter.XRechnungGuideline, Value(doc, "GuidelineSpecifiedDocumentContextParameter", "ID"));
        Assert.NotEmpty(Value(doc, "SpecifiedTradeSettlementPaymentMeans", "TypeCode"));
        var seller = doc.Descendants(Ram + "SellerTradeParty").Single();
        Assert.NotEmpty(Value(seller, "DefinedTradeContact", "PersonName"));
        Assert.NotEmpty(Value(seller, "TelephoneUniversalCommunication", "CompleteNumber"));
        Assert.NotEmpty(Value(seller, "EmailURIUniversalCommunication", "URIID"));
        Assert.NotEmpty(Value(seller, "PostalTradeAddress", "CityName"));
        Assert.NotEmpty(Value(seller, "PostalTradeAddress", "PostcodeCode"));
        Assert.Equal("EM", seller.Element(Ram + "URIUniversalCommunication")!.Element(Ram + "URIID")!.Attribute("schemeID")!.Value);
        var buyer = doc.Descendants(Ram + "BuyerTradeParty").Single();
        Assert.Equal("Berlin", Value(buyer, "PostalTradeAddress", "CityName"));
        Assert.Equal("10115", Value(buyer, "PostalTradeAddress", "PostcodeCode"));
        Assert.NotEmpty(Value(buyer, "URIUniversalCommunication", "URIID"));
        Assert.NotEmpty(doc.Descendants(Ram + "BuyerReference").Single().Value);
        Assert.NotEmpty(Value(doc, "SpecifiedTradePaymentTerms", "DueDateDateTime"));
    }

    [Fact]
    public async Task XRechnung_GermanBusiness_ValidAgainstCiiSchemaWithGermanVatAndLeitwegId()
    {
        var (invoice, _) = await IssueAsync("DE", "DE123456789", EInvoiceFormat.XRechnung, "992-90009-96");
        Assert.NotNull(invoice.EInvoiceXml);
        Assert.Empty(SchemaErrors(invoice.EInvoiceXml));

        var doc = XDocument.Load(new MemoryStream(invoice.EInvoiceXml));
        Assert.Equal(Rsm + "CrossIndustryInvoice", doc.Root!.Name);
        Assert.Equal(invoice.Number, Document(doc, "ID"));
        Assert.Equal("380", Document(doc, "TypeCode"));
        Assert.Equal("992-90009-96", doc.Descendants(Ram + "BuyerReference").Single().Value);
        AssertXRechnungRules(doc);
        AssertTotalsConsistent(doc);
        var tax = doc.Descendants(Ram + "ApplicableHeaderTradeSettlement").Elements(Ram + "ApplicableTradeTax").Single();
        Assert.Equal(("S", "19"), (tax.Element(Ram + "CategoryCode")!.Value, tax.Element(Ram + "RateApplicablePercent")!.Value));
        Assert.Equal(CiiInvoiceWriter.Amount(invoice.NetMicros), tax.Element(Ram + "BasisAmount")!.Value);
        Assert.Equal(CiiInvoiceWriter.Amount(invoice.VatMicros), tax.Element(Ram + "CalculatedAmount")!.Value);
        Assert.Equal(CiiInvoiceWriter.Amount(invoice.GrossMicros), Value(doc, "GrandTotalAmount"));
        // BR-S-2 / BR-DE-16: the seller's VAT ID is stated.
        Assert.Equal("DE287654321", doc.Descendants(Ram + "SellerTradeParty").Descendants(Ram + "SpecifiedTaxRegistration").Single().Value);
    }

    [Fact]
    public async Task XRechnung_FrenchBusiness_ReverseChargeValidAndFollowsBrAe()
    {
        var (invoice, _) = await IssueAsync("FR", "FR12345678901", EInvoiceFormat.XRechnung);
        Assert.True(invoice.ReverseCharge);
        Assert.Equal(VatCategory.ReverseCharge, invoice.VatCategory);
        Assert.Empty(SchemaErrors(invoice.EInvoiceXml!));

        var doc = XDocument.Load(new MemoryStream(invoice.EInvoiceXml!));
        AssertXRechnungRules(doc);
        AssertTotalsConsistent(doc);
        Assert.Equal(CiiInvoiceWriter.NoBuyerReference, doc.Descendants(Ram + "BuyerReference").Single().Value);
        // BR-AE-2: seller and buyer VAT IDs; BR-AE-5/6: rate 0 on every AE line and in the breakdown; BR-AE-9: VAT 0; BR-AE-10: exemption reason.
        Assert.Equal("DE287654321", Value(doc.Descendants(Ram + "SellerTradeParty").Single(), "SpecifiedTaxRegistration", "ID"));
        Assert.Equal("FR12345678901", Value(doc.Descendants(Ram + "BuyerTradeParty").Single(), "SpecifiedTaxRegistration", "ID"));
        Assert.All(doc.Descendants(Ram + "ApplicableTradeTax"), t =>
        {
            Assert.Equal("AE", t.Element(Ram + "CategoryCode")!.Value);
            Assert.Equal("0", t.Element(Ram + "RateApplicablePercent")!.Value);
        });
        var header = doc.Descendants(Ram + "ApplicableHeaderTradeSettlement").Elements(Ram + "ApplicableTradeTax").Single();
        Assert.Equal(0m, Amount(header, "CalculatedAmount"));
        Assert.Equal("VATEX-EU-AE", header.Element(Ram + "ExemptionReasonCode")!.Value);
        Assert.Contains("Reverse charge", header.Element(Ram + "ExemptionReason")!.Value);
        Assert.Contains("Steuerschuldnerschaft des Leistungsempfängers", Value(doc, "IncludedNote", "Content"));
    }

    [Fact]
    public async Task Invoice_FrenchConsumer_FrenchVatUnderOssOnPdfAndXml()
    {
        var (invoice, _) = await IssueAsync("FR", null, EInvoiceFormat.XRechnung);
        Assert.Equal((20m, "FR", false), (invoice.VatRatePercent, invoice.TaxCountry, invoice.ReverseCharge));
        Assert.Equal(VatRules.Decide("DE", "FR", null, DateOnly.FromDateTime(DateTime.UtcNow)).VatOn(invoice.NetMicros), invoice.VatMicros);
        Assert.Empty(SchemaErrors(invoice.EInvoiceXml!));
        AssertTotalsConsistent(XDocument.Load(new MemoryStream(invoice.EInvoiceXml!)));
        var text = PdfText(invoice.Pdf);
        Assert.Contains("20 % (FR)", text);
        Assert.Contains("One-Stop", text);
    }

    [Fact]
    public async Task Invoice_CustomerOutsideEu_NoVatAndOutOfScopeNote()
    {
        var (invoice, _) = await IssueAsync("US", null, EInvoiceFormat.PdfOnly);
        Assert.Equal((0m, 0L, VatCategory.OutOfScope), (invoice.VatRatePercent, invoice.VatMicros, invoice.VatCategory));
        Assert.Equal(invoice.NetMicros, invoice.GrossMicros);
        // Issued as PDF only, yet it keeps its XRechnung for the downloads (category O, no VAT identifiers).
        Assert.Empty(SchemaErrors(invoice.EInvoiceXml!));
        Assert.Equal("O", Value(XDocument.Load(new MemoryStream(invoice.EInvoiceXml!)), "ApplicableHeaderTradeSettlement", "ApplicableTradeTax", "CategoryCode"));
        Assert.Contains("§ 3a UStG", PdfText(invoice.Pdf));
    }

    [Fact]
    public async Task Invoice_December2020_TakesTheRateValidOnTheLastServiceDay()
    {
        var (userId, _) = await InvoiceCustomers.WithUsageAsync(factory, "Altkunde GmbH", "DE", null);
        var month = new DateTimeOffset(2020, 12, 1, 0, 0, 0, TimeSpan.Zero);
        await using (var db = await factory.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var organizationId = await factory.Services.GetRequiredService<PromptLeo.Web.Features.Organizations.OrganizationDirectory>().PersonalIdAsync(userId);
            db.UsageEvents.Add(new UsageEvent { OrganizationId = organizationId, UserId = userId, ModelId = "demo-chat", Kind = "chat", OutputTokens = 1000, AmountMicros = 10_000_000, RequestId = $"req_{Guid.NewGuid():N}"[..24], At = month.AddDays(14) });
            await db.SaveChangesAsync();
        }
        var invoice = (await Issuer.IssueAsync(userId, month))!;
        Assert.Equal((16m, 1_600_000L), (invoice.VatRatePercent, invoice.VatMicros));
        Assert.Contains("16 %", PdfText(invoice.Pdf));
    }

    [Fact]
    public async Task CreditNote_XRechnungInvoice_IsSchemaValid381ReferencingTheInvoice()
    {
        var (invoice, _) = await IssueAsync("DE", null, EInvoiceFormat.XRechnung);
        var note = await Issuer.IssueCreditNoteAsync(invoice.Id);
        Assert.Empty(SchemaErrors(note.EInvoiceXml!));
        var doc = XDocument.Load(new MemoryStream(note.EInvoiceXml!));
        Assert.Equal("381", Document(doc, "TypeCode"));
        Assert.Equal(invoice.Number, Value(doc, "InvoiceReferencedDocument", "IssuerAssignedID"));
        Assert.Equal(CiiInvoiceWriter.Amount(invoice.GrossMicros), Value(doc, "GrandTotalAmount"));
        AssertTotalsConsistent(doc);
    }

    [Fact]
    public async Task Zugferd_Pdf_EmbedsTheStandaloneXmlAsFacturXWithPdfA3Metadata()
    {
        var (invoice, email) = await IssueAsync("DE", "DE123456789", EInvoiceFormat.Zugferd);
        Assert.NotNull(invoice.EInvoiceXml);
        Assert.Empty(SchemaErrors(invoice.EInvoiceXml));
        var doc = XDocument.Load(new MemoryStream(invoice.EInvoiceXml));
        Assert.Equal(CiiInvoiceWriter.En16931Guideline, Value(doc, "GuidelineSpecifiedDocumentContextParameter", "ID"));
        AssertTotalsConsistent(doc);

        using var pdf = PdfDocument.Open(invoice.Pdf);
        Assert.True(pdf.Advanced.TryGetEmbeddedFiles(out var files));
        var embedded = Assert.Single(files);
        Assert.Equal(FacturXDocument.FileName, embedded.Name);
        Assert.Equal(invoice.EInvoiceXml, embedded.Bytes.ToArray());
        var catalog = pdf.Structure.Catalog.CatalogDictionary;
        Assert.True(catalog.ContainsKey(NameToken.Create("AF")));
        Assert.True(catalog.ContainsKey(NameToken.Create("OutputIntents")));
        // PDFsharp writes dictionaries uncompressed: the file specification and the embedded stream as ZUGFeRD requires them.
        var raw = System.Text.Encoding.Latin1.GetString(invoice.Pdf);
        Assert.Matches(@"/AFRelationship\s*/Alternative", raw);
        Assert.Matches(@"/Type\s*/EmbeddedFile", raw);
        Assert.Matches(@"/Subtype\s*/text#2Fxml", raw);
        Assert.Matches(@"/UF\s*\(factur-x\.xml\)", raw);
        Assert.Equal(1.7, pdf.Version, 1);

        Assert.True(pdf.TryGetXmpMetadata(out var xmp));
        var xml = xmp.GetXDocument();
        XNamespace fx = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#";
        XNamespace pdfaid = "http://www.aiim.org/pdfa/ns/id/";
        Assert.Equal("3", xml.Descendants(pdfaid + "part").Single().Value);
        Assert.Equal("B", xml.Descendants(pdfaid + "conformance").Single().Value);
        Assert.Equal("INVOICE", xml.Descendants(fx + "DocumentType").Single().Value);
        Assert.Equal(FacturXDocument.FileName, xml.Descendants(fx + "DocumentFileName").Single().Value);
        Assert.Equal("1.0", xml.Descendants(fx + "Version").Single().Value);
        Assert.Equal("EN 16931", xml.Descendants(fx + "ConformanceLevel").Single().Value);
        Assert.Contains("urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#", xml.ToString());

        // Still the readable invoice, offered under its format's name.
        Assert.Contains(invoice.Number, PdfText(invoice.Pdf));
        var owner = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(owner, email, "Api-Passw0rd!")).StatusCode);
        var billingPage = await owner.GetStringAsync("/billing");
        Assert.Contains($"/billing/invoices/{invoice.Id}/zugferd.pdf", billingPage);
        Assert.Contains(">ZUGFeRD (PDF with XML)<", billingPage);
        Assert.Equal(invoice.Pdf, await owner.GetByteArrayAsync($"/billing/invoices/{invoice.Id}.pdf"));
        await File.WriteAllBytesAsync(Path.Combine(SourceTree.ArtifactsDirectory, "invoice-zugferd.pdf"), invoice.Pdf);
    }

    [Fact]
    public async Task EInvoiceDownloads_OwnerOnly_OthersGet404AndPdfOnlyInvoicesOfferXRechnungToo()
    {
        var (invoice, ownerEmail) = await IssueAsync("DE", null, EInvoiceFormat.XRechnung);
        var (pdfOnly, pdfOnlyEmail) = await IssueAsync("DE", null, EInvoiceFormat.PdfOnly);

        var owner = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(owner, ownerEmail, "Api-Passw0rd!")).StatusCode);
        var xml = await owner.GetAsync($"/billing/invoices/{invoice.Id}.xml");
        Assert.Equal(HttpStatusCode.OK, xml.StatusCode);
        Assert.Equal("application/xml", xml.Content.Headers.ContentType!.MediaType);
        Assert.Equal(invoice.EInvoiceXml, await xml.Content.ReadAsByteArrayAsync());
        // The PDF-only customer's invoice is not the owner's: 404, ids reveal nothing.
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/billing/invoices/{pdfOnly.Id}.xml")).StatusCode);
        // The billing page links every format next to the PDF.
        var page = await owner.GetStringAsync("/billing");
        Assert.Contains($"/billing/invoices/{invoice.Id}.xml", page);
        Assert.Contains(">XRechnung (XML)<", page);

        var other = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(other, pdfOnlyEmail, "Api-Passw0rd!")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/billing/invoices/{invoice.Id}.xml")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/billing/invoices/{invoice.Id}/zugferd.pdf")).StatusCode);
        // Every invoice is also an XRechnung and a ZUGFeRD PDF, even one issued as PDF only, and the billing page links all three.
        var otherPage = await other.GetStringAsync("/billing");
        foreach (var path in new[] { ".pdf", ".xml", "/zugferd.pdf" })
        {
            Assert.Contains($"/billing/invoices/{pdfOnly.Id}{path}", otherPage);
        }
        var own = await other.GetAsync($"/billing/invoices/{pdfOnly.Id}.xml");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Empty(SchemaErrors(await own.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task FinalInvoiceMail_XRechnungCustomer_AttachesPdfAndXml()
    {
        var (invoice, email) = await IssueAsync("DE", null, EInvoiceFormat.XRechnung);
        await factory.Services.GetRequiredService<FinalInvoiceMail>().SendAsync(invoice.UserId, [invoice], CancellationToken.None);
        var mail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, email);
        var attachments = mail.Attachments.OfType<MimeKit.MimePart>().ToDictionary(a => a.FileName ?? "");
        Assert.Equal([invoice.Number + ".pdf", invoice.Number + ".xml"], attachments.Keys.Order());
        using var xml = new MemoryStream();
        attachments[invoice.Number + ".xml"].Content!.DecodeTo(xml);
        Assert.Equal(invoice.EInvoiceXml, xml.ToArray());
    }

    [Fact]
    public async Task SchemaValidation_ElementOutOfOrder_IsReported()
    {
        // Proves the vendored schemas are really applied: the same invoice with the currency moved behind the totals fails.
        var (invoice, _) = await IssueAsync("DE", null, EInvoiceFormat.XRechnung);
        var doc = XDocument.Load(new MemoryStream(invoice.EInvoiceXml!));
        var currency = doc.Descendants(Ram + "InvoiceCurrencyCode").Single();
        currency.Remove();
        doc.Descendants(Ram + "ApplicableHeaderTradeSettlement").Single().Add(currency);
        using var broken = new MemoryStream();
        doc.Save(broken);
        Assert.Contains(SchemaErrors(broken.ToArray()), e => e.Contains("InvoiceCurrencyCode", StringComparison.Ordinal));
    }

    [Fact]
    public void XRechnung_SellerIbanConfigured_SepaCreditTransferWithIban()
    {
        var seller = new InvoicingOptions { SellerName = "Lindenhof KI Dienste GmbH", SellerStreet = "Hanauer Landstraße 291", SellerVatId = "DE287654321", SellerIban = "DE02 1203 0000 0000 2020 51" };
        var xml = CiiInvoiceWriter.Write(SampleContent(seller), EInvoiceFormat.XRechnung);
        Assert.Empty(SchemaErrors(xml));
        var doc = XDocument.Load(new MemoryStream(xml));
        Assert.Equal("58", Value(doc, "SpecifiedTradeSettlementPaymentMeans", "TypeCode"));
        Assert.Equal("DE02120300000000202051", Value(doc, "PayeePartyCreditorFinancialAccount", "IBANID"));
    }

    [Fact]
    public void CentLines_RoundedLinesAddUpToTheRoundedNet()
    {
        // 3 × 0.333333 € = 0.999999 € → net 1.00 €; floored lines give 0.99, the largest remainder gets the missing cent.
        var lines = CiiInvoiceWriter.CentLines([("a", 333_333), ("b", 333_334), ("c", 333_332)], InvoiceIssuer.RoundToCents(999_999));
        Assert.Equal(1_000_000, lines.Sum(l => l.Cents));
        Assert.Equal([330_000L, 340_000L, 330_000L], lines.Select(l => l.Cents));
    }

    /// <summary>A German B2C invoice over 1 € net for <paramref name="seller"/>, written without the portal.</summary>
    internal static InvoiceContent SampleContent(InvoicingOptions seller) =>
        new("PL-2026-000001", false, null, DateTimeOffset.UtcNow, new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 30),
            seller, ["Kunde AG", "Hauptstraße 5", "10115 Berlin"], null, [("Chat", 1_000_000)], 1_000_000, 19, 190_000, 1_190_000, false)
        {
            Treatment = VatRules.Decide("DE", "DE", null, new DateOnly(2026, 11, 30)),
            Buyer = new InvoiceBuyer("Kunde AG", "Hauptstraße 5", "10115", "Berlin", "DE", null, "kunde@example.de", null),
            Language = "de",
        };

    private static string PdfText(byte[] bytes)
    {
        using var document = PdfDocument.Open(bytes);
        return string.Join("\n", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }
}
