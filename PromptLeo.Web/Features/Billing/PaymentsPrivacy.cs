using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Billing;

/// <summary>
/// Payments in an erasure: they are the booking vouchers of the credit transactions, so they stay for the voucher
/// retention period and are pseudonymized with the same reference as those transactions (not unlinked like invoices:
/// the credit row names its payment, as the voucher principle requires, and a payment holds no name or address).
/// </summary>
public sealed class PaymentsErasureParticipant(IOptions<PrivacyOptions> privacy) : IErasureParticipant
{
    public async Task<IReadOnlyDictionary<string, int>> CountAsync(AppDbContext db, string userId, CancellationToken cancellationToken) => new Dictionary<string, int>
    {
        ["payments"] = await db.Payments.CountAsync(p => p.UserId == userId, cancellationToken),
    };

    public async Task EraseAsync(AppDbContext db, string userId, string pseudonym, CancellationToken cancellationToken)
    {
        // Unfinished checkouts vouch for nothing and go; the rest are vouchers.
        await db.Payments.Where(p => p.UserId == userId && p.BookedAt == null).ExecuteDeleteAsync(cancellationToken);
        await db.Payments.Where(p => p.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(p => p.UserId, pseudonym), cancellationToken);
    }

    public async Task<IReadOnlyList<RetainedCategory>> RetainedAsync(AppDbContext db, string userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var booked = await db.Payments.AsNoTracking().Where(p => p.UserId == userId && p.BookedAt != null).Select(p => p.BookedAt!.Value).ToListAsync(cancellationToken);
        if (booked.Count == 0)
        {
            return [];
        }
        return
        [
            new($"{booked.Count} {(booked.Count == 1 ? "payment" : "payments")} for top-ups (amount, date, method type, Stripe reference; no card or bank data)",
                $"{InvoiceArchive.InvoiceSource}; pseudonymized like the credit transactions",
                PrivacyOptions.RetainedUntil(booked.Max(), privacy.Value.InvoiceRetentionYears))
            {
                GermanName = $"{booked.Count} {(booked.Count == 1 ? "Zahlung" : "Zahlungen")} für Aufladungen (Betrag, Datum, Zahlungsart, Stripe-Referenz; keine Karten- oder Bankdaten)",
                GermanReason = $"{InvoiceArchive.InvoiceSourceGerman}; pseudonymisiert wie die Guthabenbuchungen",
            },
        ];
    }
}

/// <summary>Payments in the Art. 15/20 export: every payment as JSON and a receipt PDF per booked top-up.</summary>
public sealed class PaymentsExportContributor(TopUpReceipts receipts) : IExportContributor
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public async Task<IReadOnlyDictionary<string, int>> WriteAsync(ExportArchive archive, AppDbContext db, CancellationToken cancellationToken)
    {
        var payments = await db.Payments.AsNoTracking().Where(p => p.UserId == archive.UserId).ToListAsync(cancellationToken);
        payments = [.. payments.OrderBy(p => p.CreatedAt)];
        var language = await db.Users.Where(u => u.Id == archive.UserId).Select(u => u.PreferredLanguage).FirstOrDefaultAsync(cancellationToken) ?? "en";
        var entry = archive.Zip.CreateEntry("payments.json", System.IO.Compression.CompressionLevel.Fastest);
        await using (var stream = await entry.OpenAsync(cancellationToken))
        {
            await JsonSerializer.SerializeAsync(stream, payments.Select(p => new
            {
                paymentReference = p.Id, p.Provider, amountEur = Money.ToEuro(p.AmountMicros), p.Currency, status = p.Status.ToString(), p.MethodType,
                p.SessionId, p.PaymentIntentId, p.CreatedAt, p.BookedAt, reversedEur = Money.ToEuro(p.ReversedMicros), p.ReversedAt,
            }), Json, cancellationToken);
        }
        var booked = payments.Where(p => p.BookedAt is not null).ToList();
        foreach (var payment in booked)
        {
            var pdf = archive.Zip.CreateEntry("receipts/" + TopUpReceipts.FileName(payment), System.IO.Compression.CompressionLevel.NoCompression);
            await using var pdfStream = await pdf.OpenAsync(cancellationToken);
            await pdfStream.WriteAsync(receipts.Render(payment, new ReportText(language)), cancellationToken);
        }
        return new Dictionary<string, int> { ["payments"] = payments.Count, ["receipts"] = booked.Count };
    }
}
