using System.Globalization;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;
using PdfSharp.Snippets.Font;

namespace PromptLeo.Web.Features.Billing;

/// <summary>What an invoice PDF shows: everything § 14 Abs. 4 UStG requires.</summary>
public sealed record InvoiceContent(
    string Number,
    bool IsCreditNote,
    string? CorrectsNumber,
    DateTimeOffset IssuedAt,
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    InvoicingOptions Seller,
    IReadOnlyList<string> BuyerAddress,
    string? BuyerVatId,
    IReadOnlyList<(string Description, long NetMicros)> Lines,
    long NetMicros,
    decimal VatRatePercent,
    long VatMicros,
    long GrossMicros,
    bool ReverseCharge)
{
    /// <summary>The VAT decision with its note; null prints only the reverse-charge note when <see cref="ReverseCharge"/> is set.</summary>
    public VatTreatment? Treatment { get; init; }

    /// <summary>The structured buyer for the e-invoice.</summary>
    public InvoiceBuyer? Buyer { get; init; }
}

/// <summary>Renders invoice PDFs with PDFsharp. Fonts come from PdfSharp.WPFonts through the failsafe resolver, so no system font is needed.</summary>
public static class InvoiceDocument
{
    public const string ReverseChargeNote = VatRules.ReverseChargeGerman;
    private const string FontFamily = "Segoe WP";
    private static readonly CultureInfo German = CultureInfo.GetCultureInfo("de-DE");

    /// <summary>The invoice PDF; with <paramref name="facturXml"/> a ZUGFeRD/Factur-X PDF/A-3 that embeds it (<see cref="FacturXDocument"/>).</summary>
    public static byte[] Render(InvoiceContent c, byte[]? facturXml = null)
    {
        EnsureFonts();
        using var document = new PdfDocument();
        document.Options.CompressContentStreams = false; // compressed below with a complete zlib stream, so qpdf --check passes
        if (facturXml is not null)
        {
            FacturXDocument.Prepare(document, facturXml, c.IssuedAt);
        }
        document.Info.Title = (c.IsCreditNote ? "Gutschrift " : "Rechnung ") + c.Number;
        var page = document.AddPage();
        page.Size = PdfSharp.PageSize.A4;
        using (var gfx = XGraphics.FromPdfPage(page))
        {
            var regular = new XFont(FontFamily, 10, XFontStyleEx.Regular);
            var bold = new XFont(FontFamily, 10, XFontStyleEx.Bold);
            var title = new XFont(FontFamily, 18, XFontStyleEx.Bold);
            var small = new XFont(FontFamily, 8, XFontStyleEx.Regular);
            const double left = 56;
            var right = page.Width.Point - 56;
            var s = c.Seller.Printable();

            gfx.DrawString($"{s.SellerName} · {s.SellerStreet} · {s.SellerPostalCode} {s.SellerCity} · {s.SellerCountry}", small, XBrushes.Gray, left, 60);
            var y = 90.0;
            foreach (var line in c.BuyerAddress)
            {
                gfx.DrawString(line.Length > 42 ? line[..41] + "…" : line, regular, XBrushes.Black, left, y);
                y += 14;
            }
            if (c.BuyerVatId is { Length: > 0 } buyerVat)
            {
                gfx.DrawString("USt-IdNr. / VAT ID: " + buyerVat, regular, XBrushes.Black, left, y);
            }

            var meta = new (string, string)[]
            {
                (c.IsCreditNote ? "Gutschrift Nr. / Credit note no." : "Rechnung Nr. / Invoice no.", c.Number),
                ("Rechnungsdatum / Date", c.IssuedAt.UtcDateTime.ToString("dd.MM.yyyy", German)),
                ("Leistungszeitraum / Service period", $"{c.PeriodStart.ToString("dd.MM.yyyy", German)} – {c.PeriodEnd.ToString("dd.MM.yyyy", German)}"),
                ("USt-IdNr. Verkäufer / Seller VAT ID", s.SellerVatId ?? "—"),
                ("Steuernummer / Tax no.", s.SellerTaxNumber ?? "—"),
            };
            var my = 90.0;
            foreach (var (label, value) in meta)
            {
                gfx.DrawString(label, small, XBrushes.Gray, new XRect(320, my, right - 320, 10), XStringFormats.TopLeft);
                gfx.DrawString(value, regular, XBrushes.Black, new XRect(320, my + 9, right - 320, 12), XStringFormats.TopLeft);
                my += 24;
            }

            y = Math.Max(y, my) + 30;
            gfx.DrawString(c.IsCreditNote ? "Gutschrift / Credit note" : "Rechnung / Invoice", title, XBrushes.Black, left, y);
            if (c.CorrectsNumber is { } corrected)
            {
                y += 16;
                gfx.DrawString($"Korrektur zu Rechnung {corrected} / Corrects invoice {corrected}", regular, XBrushes.Black, left, y);
            }
            y += 28;
            gfx.DrawString("Leistung / Service", bold, XBrushes.Black, left, y);
            gfx.DrawString("Netto / Net", bold, XBrushes.Black, new XRect(left, y - 10, right - left, 12), XStringFormats.TopRight);
            y += 6;
            gfx.DrawLine(XPens.Gray, left, y, right, y);
            y += 14;
            foreach (var (description, net) in c.Lines)
            {
                gfx.DrawString(description, regular, XBrushes.Black, left, y);
                gfx.DrawString(Eur(net, 4), regular, XBrushes.Black, new XRect(left, y - 10, right - left, 12), XStringFormats.TopRight);
                y += 14;
            }
            gfx.DrawLine(XPens.Gray, left, y, right, y);
            y += 16;
            var totals = new (string, long, XFont)[]
            {
                ("Nettobetrag / Net amount", c.NetMicros, regular),
                ($"Umsatzsteuer / VAT {c.VatRatePercent.ToString("0.##", German)} %{(c.Treatment is { TaxCountry: var country } && country != s.SellerCountry ? " (" + country + ")" : "")}", c.VatMicros, regular),
                ("Gesamtbetrag / Gross amount", c.GrossMicros, bold),
            };
            foreach (var (label, amount, font) in totals)
            {
                gfx.DrawString(label, font, XBrushes.Black, new XRect(left, y - 10, right - left - 110, 12), XStringFormats.TopRight);
                gfx.DrawString(Eur(amount), font, XBrushes.Black, new XRect(left, y - 10, right - left, 12), XStringFormats.TopRight);
                y += 15;
            }
            var notes = c.Treatment is { NoteGerman: { } german, NoteEnglish: { } english } ? [german, english]
                : c.ReverseCharge ? [VatRules.ReverseChargeGerman, VatRules.ReverseChargeEnglish] : Array.Empty<string>();
            y += 12;
            foreach (var note in notes)
            {
                gfx.DrawString(note, small, XBrushes.Black, left, y);
                y += 12;
            }
            gfx.DrawString($"{s.SellerName} · {s.SellerStreet} · {s.SellerPostalCode} {s.SellerCity}", small, XBrushes.Gray, left, page.Height.Point - 40);
        }
        Reports.PdfReport.CompressContents(document);
        using var output = new MemoryStream();
        document.Save(output, false);
        return facturXml is null ? output.ToArray() : FacturXDocument.Complete(document, output.ToArray(), c.Number);
    }

    public static string Eur(long micros, int decimals = 2) => Money.ToEuro(micros).ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), German) + " €";

    // One process-wide setup for every PDF the portal writes.
    private static void EnsureFonts() => Reports.PdfReport.EnsureFonts();
}
