using System.IO.Compression;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Billing;

/// <summary>
/// Billing's part in an erasure: API keys go at once; usage events and credit transactions stay as books and records,
/// pseudonymized with the erasure reference; invoices stay as issued in the invoice archive, which shares no key with
/// that reference (their user id is cleared in the erasure's last transaction), so no query joins usage to a name.
/// </summary>
public sealed class BillingErasureParticipant(
    IOptions<PrivacyOptions> privacy, IOptions<BillingOptions> billing, InvoiceIssuer invoices, FinalInvoiceMail mail, TimeProvider time) : IErasureParticipant
{
    /// <summary>The final invoices (last month if still open, and this month up to the erasure date) are issued and mailed while the buyer's address exists.</summary>
    public async Task BeforeEraseAsync(string userId, CancellationToken cancellationToken)
    {
        if (!billing.Value.IssueInvoicesAutomatically)
        {
            return; // operators who invoice by hand keep their own numbering; the usage stays, pseudonymized
        }
        var now = time.GetUtcNow();
        var thisMonth = UsageLedger.MonthStart(now);
        var erasureDayEnd = new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
        var issued = new List<Invoice>();
        if (await invoices.IssueAsync(userId, thisMonth.AddMonths(-1), cancellationToken) is { } lastMonth)
        {
            issued.Add(lastMonth);
        }
        if (await invoices.IssueAsync(userId, thisMonth, cancellationToken, serviceEnd: erasureDayEnd) is { } final)
        {
            issued.Add(final);
        }
        await mail.SendAsync(userId, issued, cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, int>> CountAsync(AppDbContext db, string userId, CancellationToken cancellationToken) => new Dictionary<string, int>
    {
        ["apiKeys"] = await db.ApiKeys.CountAsync(k => k.UserId == userId, cancellationToken),
    };

    public async Task EraseAsync(AppDbContext db, string userId, string pseudonym, CancellationToken cancellationToken)
    {
        await db.ApiKeys.Where(k => k.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.UsageEvents.Where(e => e.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(e => e.UserId, pseudonym), cancellationToken);
        await db.CreditTransactions.Where(c => c.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(c => c.UserId, pseudonym), cancellationToken);
        // A request still running keeps its reservation (it goes when the request ends), but not the member's id.
        await db.UsageReservations.Where(r => r.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(r => r.UserId, pseudonym), cancellationToken);
    }

    /// <summary>Invoices leave the account for the archive only now, after the certificate has named them.</summary>
    public Task ArchiveAsync(AppDbContext db, string userId, CancellationToken cancellationToken) =>
        db.Invoices.Where(i => i.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(i => i.UserId, InvoiceArchive.Unlinked), cancellationToken);

    public async Task<IReadOnlyList<RetainedCategory>> RetainedAsync(AppDbContext db, string userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var p = privacy.Value;
        var books = PrivacyOptions.RetainedUntil(now, p.BooksRetentionYears);
        var rows = new List<RetainedCategory>
        {
            new("Usage events (model, tokens, images, amounts; no content)", $"{InvoiceArchive.BooksSource}; pseudonymized with the reference", books)
            {
                GermanName = "Nutzungsereignisse (Modell, Tokens, Bilder, Beträge; kein Inhalt)",
                GermanReason = $"{InvoiceArchive.BooksSourceGerman}; pseudonymisiert mit der Referenz",
            },
            new("Prepaid credit transactions", $"{InvoiceArchive.BooksSource}; pseudonymized", books)
            {
                GermanName = "Guthabenbuchungen",
                GermanReason = $"{InvoiceArchive.BooksSourceGerman}; pseudonymisiert",
            },
        };
        var issued = await db.Invoices.AsNoTracking().Where(i => i.UserId == userId)
            .Select(i => new { i.Id, i.Number, i.IssuedAt, i.PeriodStart, i.PeriodEnd, i.CorrectsInvoiceId }).ToListAsync(cancellationToken);
        var finalFrom = UsageLedger.MonthStart(now).AddMonths(-1);
        var (english, german) = (new ReportText("en"), new ReportText("de"));
        foreach (var invoice in issued.Where(i => i.CorrectsInvoiceId is null && i.PeriodStart >= finalFrom).OrderBy(i => i.Number, StringComparer.Ordinal))
        {
            string Period(ReportText t) => $"{t.Date(invoice.PeriodStart)} – {t.Date(invoice.PeriodEnd.AddDays(-1))}";
            rows.Add(new($"Final invoice {invoice.Number} ({english.Date(invoice.IssuedAt)}; service {Period(english)})",
                $"{InvoiceArchive.InvoiceSource}; {InvoiceArchive.Separation}", PrivacyOptions.RetainedUntil(invoice.IssuedAt, p.InvoiceRetentionYears),
                new ErasureDocument($"{invoice.Number}.pdf", await db.Invoices.Where(i => i.Id == invoice.Id).Select(i => i.Pdf).FirstAsync(cancellationToken)))
            {
                GermanName = $"Schlussrechnung {invoice.Number} ({german.Date(invoice.IssuedAt)}; Leistung {Period(german)})",
                GermanReason = $"{InvoiceArchive.InvoiceSourceGerman}; {InvoiceArchive.SeparationGerman}",
            });
        }
        if (issued.Count > 0)
        {
            rows.Add(new($"All {issued.Count} invoices and credit notes as issued, with buyer address",
                $"{InvoiceArchive.InvoiceSource}; {InvoiceArchive.Separation}", PrivacyOptions.RetainedUntil(issued.Max(i => i.IssuedAt), p.InvoiceRetentionYears))
            {
                GermanName = $"Alle {issued.Count} Rechnungen und Stornorechnungen wie ausgestellt, mit Anschrift des Empfängers",
                GermanReason = $"{InvoiceArchive.InvoiceSourceGerman}; {InvoiceArchive.SeparationGerman}",
            });
        }
        return rows;
    }
}

/// <summary>The invoice archive: erased accounts' invoices as issued, under no key shared with the pseudonymized records.</summary>
public static class InvoiceArchive
{
    /// <summary>The user id of an archived invoice: empty, so it joins nothing.</summary>
    public const string Unlinked = "";

    public const string InvoiceSource =
        "8 years from the end of the year of issue, § 147 Abs. 1 Nr. 4, Abs. 3 AO, § 14b Abs. 1 UStG, § 257 Abs. 4 HGB as amended by BEG IV with effect from 1 Jan 2025";

    public const string InvoiceSourceGerman =
        "8 Jahre ab Ende des Ausstellungsjahres, § 147 Abs. 1 Nr. 4, Abs. 3 AO, § 14b Abs. 1 UStG, § 257 Abs. 4 HGB in der Fassung des BEG IV ab 1. Januar 2025";

    public const string BooksSource =
        "Books and records: 10 years, § 147 Abs. 1 Nr. 1, Abs. 3 AO, § 257 Abs. 4 HGB";

    public const string BooksSourceGerman =
        "Bücher und Aufzeichnungen: 10 Jahre, § 147 Abs. 1 Nr. 1, Abs. 3 AO, § 257 Abs. 4 HGB";

    public const string Separation =
        "kept in the invoice archive without the reference, user id or request ids; found only by invoice number and date";

    public const string SeparationGerman =
        "im Rechnungsarchiv ohne Referenz, Nutzer-ID oder Anfrage-IDs, auffindbar nur über Rechnungsnummer und Datum";
}

/// <summary>
/// Storage limitation for billing: archived invoices go after <see cref="PrivacyOptions.InvoiceRetentionYears"/>; invoices
/// pseudonymized before the archive existed are moved into it first.
/// </summary>
public sealed class InvoiceArchiveRetention(IOptions<PrivacyOptions> privacy) : IRetentionParticipant
{
    public async Task<IReadOnlyDictionary<string, int>> PurgeAsync(AppDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await db.Invoices.Where(i => i.UserId.StartsWith(AccountEraser.PseudonymPrefix)).ExecuteUpdateAsync(s => s.SetProperty(i => i.UserId, InvoiceArchive.Unlinked), cancellationToken);
        // Kept to the end of the year of issue + N (§ 147 Abs. 4 AO): anything issued before 1 Jan of (this year − N) is past it.
        var issuedBefore = new DateTimeOffset(now.UtcDateTime.Year - privacy.Value.InvoiceRetentionYears, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var purged = await db.Invoices.Where(i => i.UserId == InvoiceArchive.Unlinked && i.IssuedAt < issuedBefore).ExecuteDeleteAsync(cancellationToken);
        return new Dictionary<string, int> { ["archivedInvoices"] = purged };
    }
}

/// <summary>
/// The booking records of erased accounts (usage events, credit transactions, top-up payments under the erasure
/// pseudonym) end with their period, as the certificate states: kept to the end of the year + N, then deleted. A living
/// account's rows stay, because its credit balance is their sum.
/// </summary>
public sealed class ErasedBooksRetention(IOptions<PrivacyOptions> privacy) : IRetentionParticipant
{
    public async Task<IReadOnlyDictionary<string, int>> PurgeAsync(AppDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var p = privacy.Value;
        var booksBefore = new DateTimeOffset(now.UtcDateTime.Year - p.BooksRetentionYears, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var vouchersBefore = new DateTimeOffset(now.UtcDateTime.Year - p.InvoiceRetentionYears, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return new Dictionary<string, int>
        {
            ["erasedUsageEvents"] = await db.UsageEvents.Where(e => e.UserId.StartsWith(AccountEraser.PseudonymPrefix) && e.At < booksBefore).ExecuteDeleteAsync(cancellationToken),
            ["erasedCreditTransactions"] = await db.CreditTransactions.Where(c => c.UserId.StartsWith(AccountEraser.PseudonymPrefix) && c.At < booksBefore).ExecuteDeleteAsync(cancellationToken),
            ["erasedPayments"] = await db.Payments.Where(x => x.UserId.StartsWith(AccountEraser.PseudonymPrefix) && x.BookedAt < vouchersBefore).ExecuteDeleteAsync(cancellationToken),
        };
    }
}

/// <summary>Billing's part in the Art. 15/20 export: API key metadata (never secrets), usage ledger, credit, invoices as PDF.</summary>
public sealed class BillingExportContributor : IExportContributor
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public async Task<IReadOnlyDictionary<string, int>> WriteAsync(ExportArchive archive, AppDbContext db, CancellationToken cancellationToken)
    {
        var (zip, userId) = (archive.Zip, archive.UserId);
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.UserId == userId)
            .Select(k => new { k.Name, k.Prefix, k.Scopes, k.CreatedAt, k.LastUsedAt, k.ExpiresAt, k.RevokedAt, monthlyBudgetEur = k.MonthlyBudgetMicros / 1_000_000m })
            .ToListAsync(cancellationToken);
        await WriteAsync(zip, "api-keys.json", keys, cancellationToken);

        var usageCount = 0;
        var entry = zip.CreateEntry("usage-ledger.json", CompressionLevel.Fastest);
        await using (var stream = await entry.OpenAsync(cancellationToken))
        await using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartArray();
            // Streamed row by row: a busy API account can hold many events.
            await foreach (var e in db.UsageEvents.AsNoTracking().Where(e => e.UserId == userId).OrderBy(e => e.At).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                JsonSerializer.Serialize(writer, new
                {
                    e.At, e.RequestId, e.ModelId, e.Kind, e.ApiKeyId, e.InputTokens, e.OutputTokens, e.ImageCount, e.Width, e.Height, e.Steps,
                    amountEur = Money.ToEuro(e.AmountMicros), e.Prepaid,
                });
                usageCount++;
            }
            writer.WriteEndArray();
        }

        var credit = await db.CreditTransactions.AsNoTracking().Where(c => c.UserId == userId).OrderBy(c => c.At)
            .Select(c => new { c.At, amountEur = c.AmountMicros / 1_000_000m, c.Reference }).ToListAsync(cancellationToken);
        await WriteAsync(zip, "credit-transactions.json", credit, cancellationToken);

        var invoiceIds = await db.Invoices.AsNoTracking().Where(i => i.UserId == userId).OrderBy(i => i.Sequence).Select(i => i.Id).ToListAsync(cancellationToken);
        foreach (var id in invoiceIds)
        {
            var invoice = await db.Invoices.AsNoTracking().Where(i => i.Id == id).Select(i => new { i.Number, i.Pdf }).FirstAsync(cancellationToken);
            var pdf = zip.CreateEntry($"invoices/{invoice.Number}.pdf", CompressionLevel.NoCompression);
            await using var pdfStream = await pdf.OpenAsync(cancellationToken);
            await pdfStream.WriteAsync(invoice.Pdf, cancellationToken);
        }
        return new Dictionary<string, int>
        {
            ["apiKeys"] = keys.Count,
            ["usageEvents"] = usageCount,
            ["creditTransactions"] = credit.Count,
            ["invoices"] = invoiceIds.Count,
        };
    }

    private static async Task WriteAsync<T>(ZipArchive zip, string name, T value, CancellationToken cancellationToken)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        await using var stream = await entry.OpenAsync(cancellationToken);
        await JsonSerializer.SerializeAsync(stream, value, Json, cancellationToken);
    }
}
