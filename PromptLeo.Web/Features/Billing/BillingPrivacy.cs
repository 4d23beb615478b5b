using System.IO.Compression;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Billing;

/// <summary>
/// Billing's part in an erasure: API keys go at once; usage events, credit transactions and invoices stay under
/// § 147 AO / § 257 HGB, pseudonymized (the user id is replaced by the erasure reference).
/// </summary>
public sealed class BillingErasureParticipant(IOptions<PrivacyOptions> privacy, IOptions<BillingOptions> billing, InvoiceIssuer invoices, TimeProvider time) : IErasureParticipant
{
    /// <summary>The final invoices (last month if still open, and this month so far) are issued while the buyer's address exists.</summary>
    public async Task BeforeEraseAsync(string userId, CancellationToken cancellationToken)
    {
        if (!billing.Value.IssueInvoicesAutomatically)
        {
            return; // operators who invoice by hand keep their own numbering; the usage stays, pseudonymized
        }
        var thisMonth = UsageLedger.MonthStart(time.GetUtcNow());
        await invoices.IssueAsync(userId, thisMonth.AddMonths(-1), cancellationToken);
        await invoices.IssueAsync(userId, thisMonth, cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, int>> CountAsync(AppDbContext db, string userId, CancellationToken cancellationToken) => new Dictionary<string, int>
    {
        ["apiKeys"] = await db.ApiKeys.CountAsync(k => k.UserId == userId, cancellationToken),
    };

    public async Task EraseAsync(AppDbContext db, string userId, string pseudonym, CancellationToken cancellationToken)
    {
        await db.ApiKeys.Where(k => k.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.BillingAccounts.Where(a => a.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.UsageEvents.Where(e => e.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(e => e.UserId, pseudonym), cancellationToken);
        await db.CreditTransactions.Where(c => c.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(c => c.UserId, pseudonym), cancellationToken);
        await db.Invoices.Where(i => i.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(i => i.UserId, pseudonym), cancellationToken);
    }

    public IEnumerable<RetainedCategory> RetainedCategories(DateTimeOffset now)
    {
        // The retention period starts at the end of the calendar year of the last entry (§ 147 Abs. 4 AO).
        var until = new DateTimeOffset(now.Year + privacy.Value.StatutoryRetentionYears, 12, 31, 0, 0, 0, TimeSpan.Zero);
        yield return new RetainedCategory("Usage events (model, tokens, images, amounts; no content) / Nutzungsereignisse", "§ 147 AO, § 257 HGB; pseudonymized", until);
        yield return new RetainedCategory("Invoices and credit notes as issued, with buyer address / Rechnungen und Gutschriften", "§ 147 AO, § 14b UStG, § 257 HGB; invoices must stay unchanged", until);
        yield return new RetainedCategory("Prepaid credit transactions / Guthabenbuchungen", "§ 147 AO, § 257 HGB; pseudonymized", until);
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
