using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Billing;

/// <summary>
/// Issues monthly invoices and credit notes. Numbers come from one counter row updated in the same transaction as the
/// invoice, so a failure rolls both back and the sequence stays gapless (§ 14 Abs. 4 Nr. 4 UStG). Issued invoices are
/// never changed; a correction is a credit note with its own number.
/// </summary>
public sealed class InvoiceIssuer(IDbContextFactory<AppDbContext> dbFactory, IOptions<InvoicingOptions> options, TimeProvider time, ILogger<InvoiceIssuer> logger)
{
    // One issuer at a time in this process; SQLite serializes writers across processes as well.
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>Issues invoices for every account with usage in the month that starts at <paramref name="monthStart"/>; returns how many.</summary>
    public async Task<int> IssueMonthAsync(DateTimeOffset monthStart, CancellationToken cancellationToken = default)
    {
        monthStart = UsageLedger.MonthStart(monthStart);
        List<string> users;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var end = monthStart.AddMonths(1);
            users = await db.UsageEvents.Where(u => u.At >= monthStart && u.At < end && u.AmountMicros > 0 && !u.Prepaid).Select(u => u.UserId).Distinct().ToListAsync(cancellationToken);
        }
        var issued = 0;
        foreach (var userId in users)
        {
            if (await IssueAsync(userId, monthStart, cancellationToken) is not null)
            {
                issued++;
            }
        }
        return issued;
    }

    /// <summary>
    /// The invoice for one account and month; null when there is nothing to bill. Returns the existing one when already issued.
    /// <paramref name="serviceEnd"/> (exclusive) ends the service period early: the final invoice at erasure ends on the erasure date.
    /// </summary>
    public async Task<Invoice?> IssueAsync(string userId, DateTimeOffset monthStart, CancellationToken cancellationToken = default, DateTimeOffset? serviceEnd = null)
    {
        monthStart = UsageLedger.MonthStart(monthStart);
        var end = serviceEnd is { } early && early < monthStart.AddMonths(1) ? early : monthStart.AddMonths(1);
        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            var existing = await db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.UserId == userId && i.PeriodStart == monthStart && i.CorrectsInvoiceId == null, cancellationToken);
            if (existing is not null)
            {
                return existing;
            }
            var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, cancellationToken);
            if (user is null)
            {
                // Erased accounts get their final invoice during erasure; pseudonymized usage is never invoiced
                // to "nobody" (it would burn a number in the gapless sequence without a valid buyer).
                return null;
            }
            // Prepaid usage was paid from credit already; only postpaid usage is invoiced.
            var usage = await db.UsageEvents.AsNoTracking().Where(u => u.UserId == userId && u.At >= monthStart && u.At < end && !u.Prepaid)
                .Select(u => new { u.ModelId, u.Kind, u.AmountMicros }).ToListAsync(cancellationToken);
            var t = new ReportText(LanguageOf(user));
            var lines = usage.GroupBy(u => (u.ModelId, u.Kind))
                .Select(g => (Description: LineDescription(t, g.Key.Kind, g.Key.ModelId, g.Count()), NetMicros: g.Sum(u => u.AmountMicros)))
                .Where(l => l.NetMicros > 0).OrderBy(l => l.Description, StringComparer.Ordinal).ToList();
            // Invoices state whole cents; the lines keep the ledger's precision.
            var net = RoundToCents(lines.Sum(l => l.NetMicros));
            if (net <= 0)
            {
                return null;
            }
            var invoice = await CreateAsync(db, userId, user, monthStart, end, lines, net, null, cancellationToken);
            await tx.CommitAsync(cancellationToken);
            logger.LogInformation("Invoice {InvoiceNumber} issued for {UserId}", invoice.Number, userId);
            return invoice;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Cancels an issued invoice in full with a credit note (Stornorechnung) that has its own number.</summary>
    public async Task<Invoice> IssueCreditNoteAsync(Guid invoiceId, CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            var original = await db.Invoices.AsNoTracking().FirstAsync(i => i.Id == invoiceId, cancellationToken);
            if (await db.Invoices.AnyAsync(i => i.CorrectsInvoiceId == invoiceId, cancellationToken))
            {
                throw new InvalidOperationException("This invoice already has a credit note.");
            }
            var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == original.UserId, cancellationToken);
            var note = await CreateAsync(db, original.UserId, user, original.PeriodStart, original.PeriodEnd,
                [(new ReportText(original.Language).T($"Cancellation of invoice {original.Number}", $"Storno der Rechnung {original.Number}"), -original.NetMicros)], -original.NetMicros, original, cancellationToken);
            await tx.CommitAsync(cancellationToken);
            logger.LogInformation("Credit note {InvoiceNumber} issued for invoice {CorrectedNumber}", note.Number, original.Number);
            return note;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<IReadOnlyList<Invoice>> ListAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Invoices.AsNoTracking().Where(i => i.UserId == userId)
            .Select(i => new Invoice { Id = i.Id, Number = i.Number, Sequence = i.Sequence, PeriodStart = i.PeriodStart, PeriodEnd = i.PeriodEnd, IssuedAt = i.IssuedAt, NetMicros = i.NetMicros, VatMicros = i.VatMicros, GrossMicros = i.GrossMicros, VatRatePercent = i.VatRatePercent, ReverseCharge = i.ReverseCharge, EInvoiceFormat = i.EInvoiceFormat, CorrectsInvoiceId = i.CorrectsInvoiceId, UserId = i.UserId })
            .ToListAsync(cancellationToken);
        return rows.OrderByDescending(i => i.Sequence).ToList();
    }

    /// <summary>The PDF when <paramref name="userId"/> owns the invoice; null otherwise (the endpoint answers 404 either way).</summary>
    public async Task<(string Number, byte[] Pdf)?> GetPdfAsync(string userId, Guid invoiceId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.Invoices.AsNoTracking().Where(i => i.Id == invoiceId && i.UserId == userId).Select(i => new { i.Number, i.Pdf }).FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : (row.Number, row.Pdf);
    }

    /// <summary>The invoice's language: the buyer's preferred one, German or English.</summary>
    public static string LanguageOf(ApplicationUser? user) => user?.PreferredLanguage == "de" ? "de" : "en";

    /// <summary>One usage line of an invoice, e.g. "Bilder: demo-sd-tiny (1.234 Anfragen)" or "Images: demo-sd-tiny (1,234 requests)".</summary>
    public static string LineDescription(ReportText t, string kind, string modelId, long requests) =>
        $"{(kind == "chat" ? "Chat" : t.T("Images", "Bilder"))}: {modelId} ({t.Number(requests)} {(requests == 1 ? t.T("request", "Anfrage") : t.T("requests", "Anfragen"))})";

    public static long RoundToCents(long micros) => (long)Math.Round(micros / 10_000m, MidpointRounding.AwayFromZero) * 10_000;

    /// <summary>The e-invoice download when <paramref name="userId"/> owns the invoice and it has one; null otherwise (404).</summary>
    public async Task<(string Number, byte[] Xml)?> GetXmlAsync(string userId, Guid invoiceId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.Invoices.AsNoTracking().Where(i => i.Id == invoiceId && i.UserId == userId && i.EInvoiceXml != null).Select(i => new { i.Number, i.EInvoiceXml }).FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : (row.Number, row.EInvoiceXml!);
    }

    private async Task<Invoice> CreateAsync(AppDbContext db, string userId, ApplicationUser? user, DateTimeOffset start, DateTimeOffset end,
        IReadOnlyList<(string Description, long NetMicros)> lines, long net, Invoice? corrects, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var counter = await db.InvoiceCounters.FirstOrDefaultAsync(c => c.Id == 1, cancellationToken);
        if (counter is null)
        {
            counter = new InvoiceCounter { Id = 1 };
            db.InvoiceCounters.Add(counter);
        }
        counter.LastSequence++;
        var now = time.GetUtcNow();
        // The tax point of a monthly service is the end of the period; a credit note repeats the corrected invoice's treatment.
        var lastDay = DateOnly.FromDateTime(end.UtcDateTime.AddDays(-1));
        var treatment = corrects is not null
            ? Repeat(corrects, VatRules.Decide(o.SellerCountry, corrects.TaxCountry, corrects.BuyerVatId, lastDay))
            : VatRules.Decide(o.SellerCountry, user?.BillingCountry, user?.VatId, lastDay);
        var reverseCharge = treatment.Category == VatCategory.ReverseCharge;
        var rate = treatment.RatePercent;
        var vat = treatment.VatOn(net);
        var address = corrects?.BuyerAddress.Split('\n').ToList() ?? BuyerAddress(user);
        var buyerVat = corrects is not null ? corrects.BuyerVatId : user?.VatId;
        var format = corrects?.EInvoiceFormat ?? user?.EInvoiceFormat ?? EInvoiceFormat.PdfOnly;
        // A credit note speaks the corrected invoice's language; after erasure there is no account to ask.
        var language = corrects?.Language ?? LanguageOf(user);
        var invoice = new Invoice
        {
            Sequence = counter.LastSequence,
            Number = string.Create(CultureInfo.InvariantCulture, $"{o.NumberPrefix}-{now.UtcDateTime.Year}-{counter.LastSequence:D6}"),
            UserId = userId,
            CorrectsInvoiceId = corrects?.Id,
            PeriodStart = start,
            PeriodEnd = end,
            IssuedAt = now,
            BuyerAddress = string.Join('\n', address),
            BuyerVatId = buyerVat,
            NetMicros = net,
            VatRatePercent = rate,
            VatMicros = vat,
            GrossMicros = net + vat,
            ReverseCharge = reverseCharge,
            VatCategory = treatment.Category,
            TaxCountry = treatment.TaxCountry,
            EInvoiceFormat = format,
            Language = language,
        };
        var content = new InvoiceContent(invoice.Number, corrects is not null, corrects?.Number, now,
            DateOnly.FromDateTime(start.UtcDateTime), lastDay, o, address, buyerVat, lines,
            net, rate, vat, net + vat, reverseCharge)
        { Treatment = treatment, Buyer = Buyer(user, address, buyerVat, treatment.TaxCountry), Language = language };
        invoice.EInvoiceXml = format == EInvoiceFormat.PdfOnly ? null : CiiInvoiceWriter.Write(content, format);
        // The ZUGFeRD PDF is the invoice itself: the PDF download carries the XML inside.
        invoice.Pdf = InvoiceDocument.Render(content, format == EInvoiceFormat.Zugferd ? invoice.EInvoiceXml : null);
        db.Invoices.Add(invoice);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (StorageFaults.IsStorageFull(ex))
        {
            // The caller's transaction rolls back the number with the invoice, so the sequence stays gapless.
            logger.LogError(ex, "Invoice for {UserId} not issued: the database's disk is full", userId);
            throw new StorageFullException("The invoice could not be saved: the data folder's disk is full.", ex);
        }
        return invoice;
    }

    // Rates and rules may have changed since; a credit note cancels exactly what the invoice charged.
    private static VatTreatment Repeat(Invoice corrected, VatTreatment decided) =>
        decided with { Category = corrected.VatCategory, RatePercent = corrected.VatRatePercent, TaxCountry = corrected.TaxCountry ?? decided.TaxCountry };

    // An erased buyer (credit note after erasure) is known only by the archived address lines.
    private static InvoiceBuyer Buyer(ApplicationUser? user, IReadOnlyList<string> address, string? vatId, string country) => user is null
        ? new InvoiceBuyer(address[0], null, null, null, country, vatId, null, null)
        : new InvoiceBuyer(user.CompanyName ?? user.DisplayName ?? user.Email ?? "—", user.BillingStreet, user.BillingPostalCode, user.BillingCity,
            country, vatId, user.Email, user.LeitwegId);

    private static List<string> BuyerAddress(ApplicationUser? user)
    {
        if (user is null)
        {
            return ["(account erased)"];
        }
        var lines = new List<string>();
        if (!string.IsNullOrWhiteSpace(user.CompanyName)) lines.Add(user.CompanyName);
        lines.Add(string.IsNullOrWhiteSpace(user.DisplayName) ? user.Email ?? user.Id : user.DisplayName);
        if (!string.IsNullOrWhiteSpace(user.BillingStreet)) lines.Add(user.BillingStreet);
        var city = $"{user.BillingPostalCode} {user.BillingCity}".Trim();
        if (city.Length > 0) lines.Add(city);
        if (!string.IsNullOrWhiteSpace(user.BillingCountry)) lines.Add(user.BillingCountry);
        return lines;
    }
}

/// <summary>Issues last month's invoices shortly after start and then twice a day; issuing is idempotent per account and month.</summary>
public sealed class MonthlyInvoiceJob(InvoiceIssuer issuer, IOptions<BillingOptions> options, TimeProvider time, ILogger<MonthlyInvoiceJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.IssueInvoicesAutomatically)
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromHours(12), time);
        do
        {
            try
            {
                var issued = await issuer.IssueMonthAsync(UsageLedger.MonthStart(time.GetUtcNow()).AddMonths(-1), stoppingToken);
                if (issued > 0)
                {
                    logger.LogInformation("Issued {Count} invoices for last month", issued);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Issuing last month's invoices failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
