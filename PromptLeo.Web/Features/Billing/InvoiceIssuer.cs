using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Organizations;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Billing;

/// <summary>
/// Issues monthly invoices and credit notes. Numbers come from one counter row updated in the same transaction as the
/// invoice, so a failure rolls both back and the sequence stays gapless (§ 14 Abs. 4 Nr. 4 UStG). Issued invoices are
/// never changed; a correction is a credit note with its own number.
/// </summary>
public sealed class InvoiceIssuer(IDbContextFactory<AppDbContext> dbFactory, IOptions<InvoicingOptions> options, InvoiceMail mail, TimeProvider time, ILogger<InvoiceIssuer> logger)
{
    // One issuer at a time in this process; across nodes the counter row's lock (LockCounterAsync) serializes them.
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>
    /// The first statement of every issuing transaction: locks the one counter row, so issuers on several nodes take turns
    /// and each sees the invoices the one before committed (no second invoice for a month, no number twice; see Cluster.RowLocks).
    /// </summary>
    private static Task LockCounterAsync(AppDbContext db, CancellationToken cancellationToken) =>
        db.InvoiceCounters.Where(c => c.Id == 1).ExecuteUpdateAsync(s => s.SetProperty(c => c.LastSequence, c => c.LastSequence), cancellationToken);

    /// <summary>Creates the counter row once, before any issuing transaction (a failed insert would abort PostgreSQL's transaction).</summary>
    private async Task EnsureCounterAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.InvoiceCounters.AnyAsync(c => c.Id == 1, cancellationToken))
        {
            return;
        }
        db.InvoiceCounters.Add(new InvoiceCounter { Id = 1 });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another node created it first.
        }
    }

    /// <summary>
    /// Issues one invoice per organization with usage (by any member or key, prepaid or postpaid) in the month that starts
    /// at <paramref name="monthStart"/>, and mails each new one to the organization's owners and billing members; returns how many.
    /// </summary>
    public async Task<int> IssueMonthAsync(DateTimeOffset monthStart, CancellationToken cancellationToken = default)
    {
        monthStart = UsageLedger.MonthStart(monthStart);
        List<Guid> organizations;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var end = monthStart.AddMonths(1);
            organizations = await db.UsageEvents.Where(u => u.At >= monthStart && u.At < end && u.AmountMicros > 0).Select(u => u.OrganizationId).Distinct().ToListAsync(cancellationToken);
        }
        var issued = 0;
        foreach (var organizationId in organizations)
        {
            if (await IssueCoreAsync(organizationId, monthStart, null, cancellationToken) is { Created: true } result)
            {
                issued++;
                await mail.SendAsync(result.Invoice, cancellationToken);
            }
        }
        return issued;
    }

    /// <summary>
    /// The invoice for the account's personal organization and month (the final invoice at erasure); null when there is nothing to bill.
    /// <paramref name="serviceEnd"/> (exclusive) ends the service period early: the final invoice at erasure ends on the erasure date.
    /// </summary>
    public async Task<Invoice?> IssueAsync(string userId, DateTimeOffset monthStart, CancellationToken cancellationToken = default, DateTimeOffset? serviceEnd = null)
    {
        Guid? personal;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            personal = await db.Organizations.Where(o => o.PersonalOwnerId == userId).Select(o => (Guid?)o.Id).FirstOrDefaultAsync(cancellationToken);
        }
        return personal is { } id ? await IssueAsync(id, monthStart, cancellationToken, serviceEnd) : null;
    }

    /// <summary>The organization's invoice for the month (not mailed); null when there is nothing to bill. Returns the existing one when already issued.</summary>
    public async Task<Invoice?> IssueAsync(Guid organizationId, DateTimeOffset monthStart, CancellationToken cancellationToken = default, DateTimeOffset? serviceEnd = null) =>
        (await IssueCoreAsync(organizationId, monthStart, serviceEnd, cancellationToken))?.Invoice;

    private async Task<(Invoice Invoice, bool Created)?> IssueCoreAsync(Guid organizationId, DateTimeOffset monthStart, DateTimeOffset? serviceEnd, CancellationToken cancellationToken)
    {
        monthStart = UsageLedger.MonthStart(monthStart);
        var end = serviceEnd is { } early && early < monthStart.AddMonths(1) ? early : monthStart.AddMonths(1);
        await gate.WaitAsync(cancellationToken);
        try
        {
            await EnsureCounterAsync(cancellationToken);
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            await LockCounterAsync(db, cancellationToken);
            var existing = await db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.OrganizationId == organizationId && i.PeriodStart == monthStart && i.CorrectsInvoiceId == null, cancellationToken);
            if (existing is not null)
            {
                return (existing, false);
            }
            if (await ContractParties.ForOrganizationAsync(db, organizationId, cancellationToken) is not { } party)
            {
                // Erased accounts get their final invoice during erasure; usage of a deleted organization is never invoiced
                // to "nobody" (it would burn a number in the gapless sequence without a valid buyer).
                return null;
            }
            // All usage of the month, by every member and key; what prepaid credit paid shows as settled.
            var usage = await db.UsageEvents.AsNoTracking().Where(u => u.OrganizationId == organizationId && u.At >= monthStart && u.At < end)
                .Select(u => new { u.ModelId, u.Kind, u.AmountMicros, u.Prepaid }).ToListAsync(cancellationToken);
            var t = new ReportText(party.Language);
            var lines = usage.GroupBy(u => (u.ModelId, u.Kind))
                .Select(g => (Description: LineDescription(t, g.Key.Kind, g.Key.ModelId, g.Count()), NetMicros: g.Sum(u => u.AmountMicros)))
                .Where(l => l.NetMicros > 0).OrderBy(l => l.Description, StringComparer.Ordinal).ToList();
            // Invoices state whole cents; the lines keep the ledger's precision.
            var net = RoundToCents(lines.Sum(l => l.NetMicros));
            if (net <= 0)
            {
                return null;
            }
            var prepaid = Math.Min(net, RoundToCents(usage.Where(u => u.Prepaid && u.AmountMicros > 0).Sum(u => u.AmountMicros)));
            var invoice = await CreateAsync(db, party, null, monthStart, end, lines, net, prepaid, cancellationToken);
            await tx.CommitAsync(cancellationToken);
            logger.LogInformation("Invoice {InvoiceNumber} issued for organization {OrganizationId}", invoice.Number, organizationId);
            return (invoice, true);
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
            await EnsureCounterAsync(cancellationToken);
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            await LockCounterAsync(db, cancellationToken);
            var original = await db.Invoices.AsNoTracking().FirstAsync(i => i.Id == invoiceId, cancellationToken);
            if (await db.Invoices.AnyAsync(i => i.CorrectsInvoiceId == invoiceId, cancellationToken))
            {
                throw new InvalidOperationException("This invoice already has a credit note.");
            }
            // The structured buyer comes from the organization while it exists; the printed address repeats the invoice's.
            var party = await ContractParties.ForOrganizationAsync(db, original.OrganizationId, cancellationToken);
            var note = await CreateAsync(db, party, original, original.PeriodStart, original.PeriodEnd,
                [(new ReportText(original.Language).T($"Cancellation of invoice {original.Number}", $"Storno der Rechnung {original.Number}"), -original.NetMicros)], -original.NetMicros, 0, cancellationToken);
            await tx.CommitAsync(cancellationToken);
            logger.LogInformation("Credit note {InvoiceNumber} issued for invoice {CorrectedNumber}", note.Number, original.Number);
            return note;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The invoices of the organization the user acts for, when their role there includes billing; else none.</summary>
    public async Task<IReadOnlyList<Invoice>> ListAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var active = await db.Users.Where(u => u.Id == userId).Select(u => u.ActiveOrganizationId).FirstOrDefaultAsync(cancellationToken)
            ?? await db.Organizations.Where(o => o.PersonalOwnerId == userId).Select(o => (Guid?)o.Id).FirstOrDefaultAsync(cancellationToken);
        if (active is not { } organizationId || !await MayReadAsync(db, organizationId, userId, cancellationToken))
        {
            return [];
        }
        var rows = await db.Invoices.AsNoTracking().Where(i => i.OrganizationId == organizationId)
            .Select(i => new Invoice { Id = i.Id, Number = i.Number, Sequence = i.Sequence, OrganizationId = i.OrganizationId, PeriodStart = i.PeriodStart, PeriodEnd = i.PeriodEnd, IssuedAt = i.IssuedAt, NetMicros = i.NetMicros, VatMicros = i.VatMicros, GrossMicros = i.GrossMicros, VatRatePercent = i.VatRatePercent, ReverseCharge = i.ReverseCharge, EInvoiceFormat = i.EInvoiceFormat, CorrectsInvoiceId = i.CorrectsInvoiceId, UserId = i.UserId })
            .ToListAsync(cancellationToken);
        return rows.OrderByDescending(i => i.Sequence).ToList();
    }

    /// <summary>The PDF as issued (the ZUGFeRD PDF for organizations that chose it), for the invoiced organization's owners and billing members; null otherwise (404).</summary>
    public async Task<(string Number, byte[] Pdf)?> GetPdfAsync(string userId, Guid invoiceId, CancellationToken cancellationToken = default) =>
        await ReadableAsync(userId, invoiceId, cancellationToken) is { } invoice ? (invoice.Number, invoice.Pdf) : null;

    /// <summary>The XRechnung (CII, EN 16931 with the XRechnung 3.0 CIUS) of any invoice issued with structured data; null otherwise (404).</summary>
    public async Task<(string Number, byte[] Xml)?> GetXmlAsync(string userId, Guid invoiceId, CancellationToken cancellationToken = default) =>
        await ReadableAsync(userId, invoiceId, cancellationToken) is { EInvoiceXml: { } xml } invoice
            ? (invoice.Number, CiiInvoiceWriter.WithGuideline(xml, EInvoiceFormat.XRechnung)) : null;

    /// <summary>The ZUGFeRD/Factur-X PDF/A-3 with <c>factur-x.xml</c>: as issued, or the issued PDF with the stored XML embedded; null otherwise (404).</summary>
    public async Task<(string Number, byte[] Pdf)?> GetZugferdAsync(string userId, Guid invoiceId, CancellationToken cancellationToken = default)
    {
        if (await ReadableAsync(userId, invoiceId, cancellationToken) is not { EInvoiceXml: { } xml } invoice)
        {
            return null;
        }
        return (invoice.Number, invoice.EInvoiceFormat == EInvoiceFormat.Zugferd
            ? invoice.Pdf
            : FacturXDocument.Embed(invoice.Pdf, CiiInvoiceWriter.WithGuideline(xml, EInvoiceFormat.Zugferd), invoice.IssuedAt, invoice.Number));
    }

    // Someone else's invoice, or one of an organization the user only uses, reads as absent: ids reveal nothing.
    private async Task<Invoice?> ReadableAsync(string userId, Guid invoiceId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var invoice = await db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.Id == invoiceId, cancellationToken);
        return invoice is not null && await MayReadAsync(db, invoice.OrganizationId, userId, cancellationToken) ? invoice : null;
    }

    private static Task<bool> MayReadAsync(AppDbContext db, Guid organizationId, string userId, CancellationToken cancellationToken) =>
        db.OrganizationMembers.AnyAsync(m => m.OrganizationId == organizationId && m.UserId == userId
            && (m.Role == OrganizationRole.Owner || m.Role == OrganizationRole.Billing), cancellationToken);

    /// <summary>One usage line of an invoice, e.g. "Bilder: demo-sd-tiny (1.234 Anfragen)" or "Images: demo-sd-tiny (1,234 requests)".</summary>
    public static string LineDescription(ReportText t, string kind, string modelId, long requests) =>
        $"{(kind == "chat" ? "Chat" : t.T("Images", "Bilder"))}: {modelId} ({t.Number(requests)} {(requests == 1 ? t.T("request", "Anfrage") : t.T("requests", "Anfragen"))})";

    public static long RoundToCents(long micros) => (long)Math.Round(micros / 10_000m, MidpointRounding.AwayFromZero) * 10_000;

    private async Task<Invoice> CreateAsync(AppDbContext db, ContractParty? party, Invoice? corrects, DateTimeOffset start, DateTimeOffset end,
        IReadOnlyList<(string Description, long NetMicros)> lines, long net, long prepaid, CancellationToken cancellationToken)
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
            : VatRules.Decide(o.SellerCountry, party?.Country, party?.VatId, lastDay);
        var reverseCharge = treatment.Category == VatCategory.ReverseCharge;
        var rate = treatment.RatePercent;
        var vat = treatment.VatOn(net);
        var address = corrects?.BuyerAddress.Split('\n').ToList() ?? [.. party!.AddressLines()];
        var buyerVat = corrects is not null ? corrects.BuyerVatId : party?.VatId;
        var format = corrects?.EInvoiceFormat ?? party?.EInvoiceFormat ?? EInvoiceFormat.PdfOnly;
        // A credit note speaks the corrected invoice's language, even after the organization changed it or was erased.
        var language = corrects?.Language ?? party!.Language;
        var organizationId = corrects?.OrganizationId ?? party!.OrganizationId;
        var invoice = new Invoice
        {
            Sequence = counter.LastSequence,
            Number = string.Create(CultureInfo.InvariantCulture, $"{o.NumberPrefix}-{now.UtcDateTime.Year}-{counter.LastSequence:D6}"),
            OrganizationId = organizationId,
            // A personal organization's invoices belong to its owner (export, erasure archive); a company's to no person.
            UserId = corrects?.UserId ?? (party!.IsPersonal ? await db.Organizations.Where(x => x.Id == organizationId).Select(x => x.PersonalOwnerId!).FirstAsync(cancellationToken) : InvoiceArchive.Unlinked),
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
        { Treatment = treatment, Buyer = Buyer(party, address, buyerVat, treatment.TaxCountry), Language = language, PrepaidMicros = prepaid };
        // Every invoice keeps its structured data: the XRechnung and the ZUGFeRD downloads are made from it (PdfOnly stores the XRechnung).
        invoice.EInvoiceXml = CiiInvoiceWriter.Write(content, format == EInvoiceFormat.Zugferd ? EInvoiceFormat.Zugferd : EInvoiceFormat.XRechnung);
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
            logger.LogError(ex, "Invoice for organization {OrganizationId} not issued: the database's disk is full", organizationId);
            throw new StorageFullException("The invoice could not be saved: the data folder's disk is full.", ex);
        }
        return invoice;
    }

    // Rates and rules may have changed since; a credit note cancels exactly what the invoice charged.
    private static VatTreatment Repeat(Invoice corrected, VatTreatment decided) =>
        decided with { Category = corrected.VatCategory, RatePercent = corrected.VatRatePercent, TaxCountry = corrected.TaxCountry ?? decided.TaxCountry };

    // A credit note's buyer is known by the corrected invoice's archived address lines (the account may be erased since).
    private static InvoiceBuyer Buyer(ContractParty? party, IReadOnlyList<string> address, string? vatId, string country) => party is null
        ? new InvoiceBuyer(address[0], null, null, null, country, vatId, null, null)
        : new InvoiceBuyer(party.DisplayName, party.Street, party.PostalCode, party.City, country, vatId, party.Email, party.LeitwegId);
}

/// <summary>
/// Issues last month's invoices shortly after start and then twice a day, on one node of the cluster per 12 hours (a
/// database lease); issuing is idempotent per organization and month.
/// </summary>
public sealed class MonthlyInvoiceJob(InvoiceIssuer issuer, Cluster.ClusterLeases leases, IOptions<BillingOptions> options, TimeProvider time, ILogger<MonthlyInvoiceJob> logger) : BackgroundService
{
    public const string LeaseName = "job:monthly-invoices";
    private static readonly TimeSpan Interval = TimeSpan.FromHours(12);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.IssueInvoicesAutomatically)
        {
            return;
        }
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await leases.RunOncePerIntervalAsync(LeaseName, Interval, async token =>
                {
                    var issued = await issuer.IssueMonthAsync(UsageLedger.MonthStart(time.GetUtcNow()).AddMonths(-1), token);
                    if (issued > 0)
                    {
                        logger.LogInformation("Issued {Count} invoices for last month", issued);
                    }
                }, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Issuing last month's invoices failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
