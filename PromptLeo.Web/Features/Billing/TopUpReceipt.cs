using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Billing;

/// <summary>Receipts for booked top-ups, in German or English, from the immutable payment row and the operator's details.</summary>
public sealed class TopUpReceipts(IDbContextFactory<AppDbContext> dbFactory, OperatorFacts operatorFacts)
{
    /// <summary>The organization's payments, newest first.</summary>
    public async Task<IReadOnlyList<Payment>> ListAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Payments.AsNoTracking().Where(p => p.OrganizationId == organizationId).ToListAsync(cancellationToken);
        return [.. rows.OrderByDescending(p => p.CreatedAt)];
    }

    /// <summary>
    /// The receipt when <paramref name="userId"/> is an owner or billing member of the booked payment's organization; null
    /// otherwise (the endpoint answers 404 either way).
    /// </summary>
    public async Task<byte[]?> GetPdfAsync(string userId, Guid paymentId, string language, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var payment = await db.Payments.AsNoTracking().FirstOrDefaultAsync(p => p.Id == paymentId && p.BookedAt != null, cancellationToken);
        if (payment is null || await Organizations.OrganizationDirectory.MembershipAsync(db, payment.OrganizationId, userId, cancellationToken) is not { } membership
            || !Organizations.OrganizationPermissions.CanManageBilling(membership.Role))
        {
            return null;
        }
        return Render(payment, new ReportText(language), membership.IsPersonal ? null : membership.Name);
    }

    public static string FileName(Payment payment) => $"receipt-{payment.Id}.pdf";

    /// <summary>The receipt; <paramref name="organizationName"/> names a company organization as the payer (a personal one's reads as before).</summary>
    public byte[] Render(Payment payment, ReportText t, string? organizationName = null)
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
        };
        if (organizationName is not null)
        {
            rows.Add((t.T("Credited to the organization", "Gutgeschrieben der Organisation"), organizationName));
        }
        rows.AddRange(
        [
            (t.T("Amount", "Betrag"), Amount(payment.AmountMicros, t)),
            (t.T("Date of payment", "Zahlungsdatum"), t.Date(payment.BookedAt!.Value)),
            (t.T("Payment method", "Zahlungsart"), method),
            (t.T("Payment reference", "Zahlungsreferenz"), payment.Id.ToString()),
            (t.T("Reference at Stripe", "Referenz bei Stripe"), payment.PaymentIntentId ?? "—"),
            (t.T("Purpose", "Verwendungszweck"), t.T("Prepaid credit for PromptLeo", "Guthaben für PromptLeo")),
        ]);
        if (payment.ReversedMicros > 0 && payment.ReversedAt is { } reversedAt)
        {
            rows.Add((t.T("Reversed", "Storniert"), $"{Amount(payment.ReversedMicros, t)} ({t.Date(reversedAt)})"));
        }
        using var report = new PdfReport(t.T("Receipt for a credit top-up", "Beleg über eine Guthabenaufladung"), operatorFacts.Name(t), language: t.Language);
        report.KeyValues(rows)
            .Paragraph(organizationName is null
                ? t.T("The amount above was booked to the prepaid credit of your account on the date of payment. Each request you make in the portal or through the API is then charged against this credit at the prices shown on the billing page, until the credit is used up.",
                    "Der obige Betrag wurde am Zahlungsdatum dem Guthaben Ihres Kontos gutgeschrieben. Jede Anfrage im Portal oder über die API wird danach zu den auf der Abrechnungsseite genannten Preisen mit diesem Guthaben verrechnet, bis es aufgebraucht ist.")
                : t.T("The amount above was booked to the prepaid credit of the organization on the date of payment. Each request its members make in the portal or through the API is then charged against this credit at the prices shown on the billing page, until the credit is used up.",
                    "Der obige Betrag wurde am Zahlungsdatum dem Guthaben der Organisation gutgeschrieben. Jede Anfrage ihrer Mitglieder im Portal oder über die API wird danach zu den auf der Abrechnungsseite genannten Preisen mit diesem Guthaben verrechnet, bis es aufgebraucht ist."))
            .Small(t.T("This receipt confirms the payment received. It is not an invoice.", "Dieser Beleg bestätigt den Zahlungseingang. Er ist keine Rechnung."));
        return report.ToBytes();
    }

    private static string Amount(long micros, ReportText t) => Money.ToEuro(micros).ToString("N2", t.Culture) + " EUR";
}
