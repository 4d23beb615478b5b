using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Billing;

/// <summary>Receipts for booked top-ups, in German or English, from the immutable payment row and the operator's details.</summary>
public sealed class TopUpReceipts(IDbContextFactory<AppDbContext> dbFactory, OperatorFacts operatorFacts)
{
    public async Task<IReadOnlyList<Payment>> ListAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Payments.AsNoTracking().Where(p => p.UserId == userId).ToListAsync(cancellationToken);
        return [.. rows.OrderByDescending(p => p.CreatedAt)];
    }

    /// <summary>The receipt when <paramref name="userId"/> owns a booked payment; null otherwise (the endpoint answers 404 either way).</summary>
    public async Task<byte[]?> GetPdfAsync(string userId, Guid paymentId, string language, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var payment = await db.Payments.AsNoTracking()
            .FirstOrDefaultAsync(p => p.Id == paymentId && p.UserId == userId && p.BookedAt != null, cancellationToken);
        return payment is null ? null : Render(payment, new ReportText(language));
    }

    public static string FileName(Payment payment) => $"receipt-{payment.Id}.pdf";

    public byte[] Render(Payment payment, ReportText t)
    {
        var method = payment.MethodType switch
        {
            "card" => t.T("Card", "Karte"),
            "sepa_debit" => t.T("SEPA Direct Debit", "SEPA-Lastschrift"),
            _ => t.T("other", "sonstige"),
        };
        var seller = string.Join(", ", new[] { OperatorField.Name, OperatorField.Address }.Select(f => operatorFacts.Show(f, t)));
        var rows = new List<(string, string)>
        {
            (t.T("Received by", "Empfänger"), seller),
            (t.T("VAT ID", "USt-IdNr."), operatorFacts.Show(OperatorField.VatId, t) ?? "—"),
            (t.T("Amount", "Betrag"), Amount(payment.AmountMicros, t)),
            (t.T("Date of payment", "Zahlungsdatum"), t.Date(payment.BookedAt!.Value)),
            (t.T("Payment method", "Zahlungsart"), method),
            (t.T("Payment reference", "Zahlungsreferenz"), payment.Id.ToString()),
            (t.T("Reference at Stripe", "Referenz bei Stripe"), payment.PaymentIntentId ?? "—"),
            (t.T("Purpose", "Verwendungszweck"), t.T("Prepaid credit for PromptLeo", "Guthaben für PromptLeo")),
        };
        if (payment.ReversedMicros > 0 && payment.ReversedAt is { } reversedAt)
        {
            rows.Add((t.T("Reversed", "Storniert"), $"{Amount(payment.ReversedMicros, t)} ({t.Date(reversedAt)})"));
        }
        using var report = new PdfReport(t.T("Receipt for a credit top-up", "Beleg über eine Guthabenaufladung"), operatorFacts.Name(t), language: t.Language);
        report.KeyValues(rows)
            .Paragraph(t.T("The amount above was booked to the prepaid credit of your account on the date of payment. Each request you make in the portal or through the API is then charged against this credit at the prices shown on the billing page, until the credit is used up.",
                "Der obige Betrag wurde am Zahlungsdatum dem Guthaben Ihres Kontos gutgeschrieben. Jede Anfrage im Portal oder über die API wird danach zu den auf der Abrechnungsseite genannten Preisen mit diesem Guthaben verrechnet, bis es aufgebraucht ist."))
            .Small(t.T("This receipt confirms the payment received. It is not an invoice.", "Dieser Beleg bestätigt den Zahlungseingang. Er ist keine Rechnung."));
        return report.ToBytes();
    }

    private static string Amount(long micros, ReportText t) => Money.ToEuro(micros).ToString("N2", t.Culture) + " EUR";
}
