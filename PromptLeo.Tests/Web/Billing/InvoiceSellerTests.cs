using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Billing;

namespace PromptLeo.Tests.Web.Billing;

/// <summary>The seller on an invoice: the shipped example data is never printed as fact.</summary>
public sealed class InvoiceSellerTests
{
    private static string Render(InvoicingOptions seller, string language = "de") => PdfArtifacts.Text(InvoiceDocument.Render(new InvoiceContent(
        "PL-2026-000001", false, null, new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 30),
        seller, ["Kunde AG", "Hauptstraße 5", "10115 Berlin"], null, [("Chat", 1_000_000)], 1_000_000, 19, 190_000, 1_190_000, false) { Language = language }));

    [Theory]
    [InlineData("de", InvoicingOptions.PlaceholderNoticeGerman)]
    [InlineData("en", InvoicingOptions.PlaceholderNoticeEnglish)]
    public void Render_ShippedSeller_PrintsNoticeInsteadOfExampleData(string language, string notice)
    {
        var text = Render(new InvoicingOptions(), language);

        Assert.Contains(notice, text);
        foreach (var example in new[] { "PromptLeo GmbH", "Musterstraße", "DE000000000" })
        {
            Assert.DoesNotContain(example, text);
        }
        Assert.Equal(["Invoicing:SellerName", "Invoicing:SellerStreet", "Invoicing:SellerVatId", "Invoicing:SellerPhone", "Invoicing:SellerEmail"], new InvoicingOptions().PlaceholderKeys());
    }

    [Fact]
    public void Render_ConfiguredSeller_PrintsItAndNoNotice()
    {
        var seller = new InvoicingOptions { SellerName = "Lindenhof KI Dienste GmbH", SellerStreet = "Hanauer Landstraße 291", SellerVatId = "DE287654321", SellerPhone = "+49 69 4711 0", SellerEmail = "rechnung@lindenhof-ki.de" };

        var text = Render(seller);

        Assert.Contains("Lindenhof KI Dienste GmbH", text);
        Assert.Contains("DE287654321", text);
        Assert.DoesNotContain(InvoicingOptions.PlaceholderNoticeGerman, text);
        Assert.Empty(seller.PlaceholderKeys());
    }

    [Fact]
    public void EInvoiceXml_ShippedSeller_StatesTheNoticeNeverTheExampleContact()
    {
        var xml = System.Text.Encoding.UTF8.GetString(CiiInvoiceWriter.Write(EInvoiceTests.SampleContent(new InvoicingOptions()), EInvoiceFormat.XRechnung));
        Assert.Contains(InvoicingOptions.PlaceholderNotice, xml);
        foreach (var example in new[] { "PromptLeo GmbH", "Musterstraße", "DE000000000", "+49 69 000000", "rechnung@promptleo.example" })
        {
            Assert.DoesNotContain(example, xml);
        }
    }
}
