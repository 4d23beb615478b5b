using System.Globalization;
using PromptLeo.Web.Features.Reports;

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

    /// <summary>What prepaid credit already paid of the gross amount (whole cents); the amount due is the rest.</summary>
    public long PrepaidMicros { get; init; }

    /// <summary>The gross amount less what prepaid credit settled.</summary>
    public long DueMicros => GrossMicros - PrepaidMicros;

    /// <summary>"de" or "en": the only language the PDF is written in (<see cref="Data.Invoice.Language"/>).</summary>
    public required string Language { get; init; }
}

/// <summary>
/// Renders invoice PDFs in the invoice's language alone, through <see cref="PdfReport"/>, so they are tagged like every
/// other document. Labels, dates, amounts and the VAT notes follow <see cref="InvoiceContent.Language"/>.
/// </summary>
public static class InvoiceDocument
{
    /// <summary>The invoice PDF; with <paramref name="facturXml"/> a ZUGFeRD/Factur-X PDF/A-3 that embeds it (<see cref="FacturXDocument"/>).</summary>
    public static byte[] Render(InvoiceContent c, byte[]? facturXml = null)
    {
        var t = new ReportText(c.Language);
        var s = c.Seller.Printable(t.T(InvoicingOptions.PlaceholderNoticeEnglish, InvoicingOptions.PlaceholderNoticeGerman));
        var title = $"{(c.IsCreditNote ? t.T("Credit note", "Stornorechnung") : t.T("Invoice", "Rechnung"))} {c.Number}";
        using var report = new PdfReport(title, $"{s.SellerName} · {s.SellerStreet} · {s.SellerPostalCode} {s.SellerCity} · {s.SellerCountry}", c.Language)
        {
            Prepare = facturXml is null ? null : document => FacturXDocument.Prepare(document, facturXml, c.IssuedAt),
            Complete = facturXml is null ? null : (document, pdf) => FacturXDocument.Complete(document, pdf, c.Number),
        };
        report.KeyValues(Parties(c, s, t)).Space(4);
        report.Paragraph(c.CorrectsNumber is { } corrected
            ? t.T($"This credit note cancels invoice {corrected} in full.", $"Diese Stornorechnung storniert die Rechnung {corrected} vollständig.")
            : t.T("For the use of PromptLeo during the service period we charge:", "Für die Nutzung von PromptLeo im Leistungszeitraum berechnen wir:"));
        report.Table([t.T("Service", "Leistung"), t.T("Net", "Netto")], c.Lines.Select(l => (IReadOnlyList<string>)[l.Description, Eur(l.NetMicros, t, 4)]), [4, 1], [false, true]);
        var rate = $"{c.VatRatePercent.ToString("0.##", t.Culture)} %{(c.Treatment is { TaxCountry: var country } && country != s.SellerCountry ? " (" + country + ")" : "")}";
        report.Table([t.T("Totals", "Summen"), t.T("Amount", "Betrag")],
        [
            [t.T("Net amount", "Nettobetrag"), Eur(c.NetMicros, t)],
            [$"{t.T("VAT", "Umsatzsteuer")} {rate}", Eur(c.VatMicros, t)],
            [t.T("Gross amount", "Gesamtbetrag"), Eur(c.GrossMicros, t)],
            .. c.PrepaidMicros == 0 ? Array.Empty<IReadOnlyList<string>>() :
            [
                [t.T("Already settled from prepaid credit", "Bereits beglichen aus Guthaben"), Eur(-c.PrepaidMicros, t)],
                [t.T("Amount due", "Zahlbetrag"), Eur(c.DueMicros, t)],
            ],
        ], [4, 1], [false, true]);
        if (Note(c, t) is { } note)
        {
            report.Paragraph(note);
        }
        if (!c.IsCreditNote && c.DueMicros <= 0)
        {
            report.Paragraph(t.T("Nothing is due: prepaid credit settled this invoice in full.", "Es ist nichts zu zahlen: Die Rechnung ist vollständig aus Guthaben beglichen."));
        }
        else if (!c.IsCreditNote)
        {
            // The same due date as the e-invoice's payment terms (BT-9, BT-20).
            var due = t.Date(c.IssuedAt.AddDays(s.PaymentTermDays));
            report.Paragraph(t.T($"Payable by {due} without deduction, quoting the invoice number.", $"Zahlbar bis {due} ohne Abzug unter Angabe der Rechnungsnummer.")
                + (s.SellerIban is { Length: > 0 } iban ? " " + t.T($"Bank account: IBAN {iban}", $"Bankverbindung: IBAN {iban}") : ""));
        }
        return report.ToBytes();
    }

    /// <summary>Who sells to whom, the number and the dates (§ 14 Abs. 4 Nr. 1–4, 6 UStG).</summary>
    private static List<(string, string)> Parties(InvoiceContent c, InvoicingOptions s, ReportText t)
    {
        var rows = new List<(string, string)>
        {
            (t.T("Seller", "Leistender Unternehmer"), $"{s.SellerName}\n{s.SellerStreet}\n{s.SellerPostalCode} {s.SellerCity}\n{s.SellerCountry}"),
            (t.T("Seller's VAT ID", "USt-IdNr. des Unternehmers"), s.SellerVatId ?? "—"),
        };
        if (s.SellerTaxNumber is { Length: > 0 } taxNumber)
        {
            rows.Add((t.T("Tax number", "Steuernummer"), taxNumber));
        }
        rows.Add((t.T("Customer", "Leistungsempfänger"), string.Join('\n', c.BuyerAddress)));
        if (c.BuyerVatId is { Length: > 0 } buyerVat)
        {
            rows.Add((t.T("Customer's VAT ID", "USt-IdNr. des Leistungsempfängers"), buyerVat));
        }
        rows.Add((c.IsCreditNote ? t.T("Credit note number", "Nummer der Stornorechnung") : t.T("Invoice number", "Rechnungsnummer"), c.Number));
        if (c.CorrectsNumber is { } corrected)
        {
            rows.Add((t.T("Corrects invoice", "Korrektur zu Rechnung"), corrected));
        }
        rows.Add((t.T("Date of issue", "Rechnungsdatum"), t.Date(c.IssuedAt)));
        rows.Add((t.T("Service period", "Leistungszeitraum"), $"{Day(c.PeriodStart, t)} – {Day(c.PeriodEnd, t)}"));
        return rows;
    }

    /// <summary>The note the VAT treatment requires (reverse charge, OSS, out of scope), in the invoice's language.</summary>
    private static string? Note(InvoiceContent c, ReportText t) => c.Treatment is { NoteGerman: { } german, NoteEnglish: { } english } ? t.T(english, german)
        : c.ReverseCharge ? t.T(VatRules.ReverseChargeEnglish, VatRules.ReverseChargeGerman) : null;

    private static string Day(DateOnly day, ReportText t) => t.Date(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));

    /// <summary>An amount as the invoice's language writes it: 1.234,56 € or €1,234.56.</summary>
    public static string Eur(long micros, ReportText t, int decimals = 2)
    {
        var number = Money.ToEuro(micros).ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), t.Culture);
        return t.German ? number + " €" : number.StartsWith('-') ? "-€" + number[1..] : "€" + number;
    }
}
