using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using MimeKit;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Email;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Reports;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.SubProcessors;

/// <summary>What an admin enters for a new sub-processor.</summary>
public sealed record SubProcessorInput(string? Name, string? Address, string? Service, string? Location, bool InEea, string? TransferBasis);

/// <summary>The change's id, or the reason it was refused (a message for the admin).</summary>
public sealed record AnnounceResult(Guid? ChangeId, string? Error);

public enum ObjectionOutcome
{
    Recorded,
    UnknownChange,
    AlreadyEffective,
    AlreadyObjected,
    ReasonTooLong,
    NoDpa,
}

public sealed record CustomerChange(AnnouncedChange Change, DateTimeOffset? ObjectedAt);

public sealed record ObjectionRow(string Account, DateTimeOffset At, string? Reason);

public sealed record AdminChangeRow(Guid Id, string Description, DateTimeOffset AnnouncedAt, DateTimeOffset EffectiveAt, bool InForce, int Notified, IReadOnlyList<ObjectionRow> Objections);

/// <summary>
/// Art. 28(2)/(4): an admin announces an addition, replacement or removal; it takes effect after the notice period; every
/// customer with an accepted DPA is mailed and sees a banner, and may object until the change takes effect.
/// </summary>
public sealed class SubProcessorChanges(
    IDbContextFactory<AppDbContext> dbFactory,
    SubProcessorRegistry registry,
    AuditLog audit,
    IMailTransport transport,
    IOptions<EmailOptions> email,
    IOptions<PrivacyOptions> privacy,
    IStringLocalizer<PrivacyResource> strings,
    TimeProvider time,
    ILogger<SubProcessorChanges> logger)
{
    public async Task<AnnounceResult> AnnounceAsync(string adminId, SubProcessorChangeKind kind, int? targetId, SubProcessorInput? input, string dpaPageUrl, CancellationToken cancellationToken = default)
    {
        // Whole seconds: the stored date then equals the one announced in the mails and documents.
        var now = time.GetUtcNow();
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        var effective = now.AddDays(privacy.Value.SubProcessorNoticeDays);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        SubProcessor? removed = null;
        if (kind is SubProcessorChangeKind.Replacement or SubProcessorChangeKind.Removal)
        {
            removed = targetId is { } id ? await db.SubProcessors.FirstOrDefaultAsync(s => s.Id == id, cancellationToken) : null;
            if (removed is null || (removed.ActiveFrom is { } from && from > now))
            {
                return new(null, "Choose a sub-processor that is in force.");
            }
            if (removed.ActiveUntil is not null)
            {
                return new(null, "This sub-processor already has an announced replacement or removal.");
            }
            removed.ActiveUntil = effective;
        }
        SubProcessor? added = null;
        if (kind is SubProcessorChangeKind.Addition or SubProcessorChangeKind.Replacement)
        {
            if (Validate(input) is { } error)
            {
                return new(null, error);
            }
            added = new SubProcessor
            {
                Name = input!.Name!.Trim(),
                Address = string.IsNullOrWhiteSpace(input.Address) ? null : input.Address.Trim(),
                Service = input.Service!.Trim(),
                Location = input.Location!.Trim(),
                InEea = input.InEea,
                TransferBasis = input.InEea ? null : input.TransferBasis!.Trim(),
                ActiveFrom = effective,
            };
            db.SubProcessors.Add(added);
        }
        var change = new SubProcessorChange { Kind = kind, Added = added, Removed = removed, AnnouncedAt = now, EffectiveAt = effective, AnnouncedBy = adminId };
        db.SubProcessorChanges.Add(change);
        // Every organization that ever accepted the DPA is a controller this processor works for; its owners are told.
        var acceptances = await db.DpaAcceptances.Select(d => new { d.OrganizationId, d.UserId }).Distinct().ToListAsync(cancellationToken);
        var organizations = acceptances.Select(a => a.OrganizationId).Where(id => id != Guid.Empty).Distinct().ToList();
        var owners = await db.OrganizationMembers.Where(m => organizations.Contains(m.OrganizationId) && m.Role == OrganizationRole.Owner).Select(m => m.UserId).ToListAsync(cancellationToken);
        var customerIds = owners.Concat(acceptances.Where(a => a.OrganizationId == Guid.Empty).Select(a => a.UserId)).Distinct().ToList();
        var customers = await db.Users.Where(u => customerIds.Contains(u.Id)).Select(u => new { u.Id, u.Email, u.PreferredLanguage }).ToListAsync(cancellationToken);
        var notices = customers.ToDictionary(c => c.Id, c => new SubProcessorNotice { ChangeId = change.Id, UserId = c.Id });
        db.SubProcessorNotices.AddRange(notices.Values);
        db.AuditEntries.Add(audit.Create(adminId, null, AuditActions.SubProcessorChangeAnnounced, $"change {change.Id}: {kind}, effective {effective:yyyy-MM-dd}, {customers.Count} customers"));
        await db.SaveChangesAsync(cancellationToken);
        await registry.RefreshAsync(cancellationToken);
        logger.LogInformation("Sub-processor change {ChangeId} ({Kind}) announced, effective {EffectiveAt}", change.Id, kind, effective);

        var announced = registry.Current(now).Announced.First(c => c.Id == change.Id);
        foreach (var customer in customers.Where(c => !string.IsNullOrEmpty(c.Email)))
        {
            try
            {
                await transport.SendAsync(Compose(customer.Email!, customer.PreferredLanguage, announced, dpaPageUrl), cancellationToken);
                notices[customer.Id].MailedAt = time.GetUtcNow();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One undeliverable address must not stop the others; the banner still tells the customer.
                logger.LogWarning(ex, "Sub-processor notice for change {ChangeId} could not be mailed to {UserId}", change.Id, customer.Id);
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        return new(change.Id, null);
    }

    private static string? Validate(SubProcessorInput? input) => input switch
    {
        null => "Enter the new sub-processor.",
        _ when string.IsNullOrWhiteSpace(input.Name) || string.IsNullOrWhiteSpace(input.Service) || string.IsNullOrWhiteSpace(input.Location) => "Name, service and location are required.",
        _ when input.Name.Trim().Length > 200 || input.Service.Trim().Length > 300 || input.Location.Trim().Length > 200 || input.Address?.Trim().Length > 300 || input.TransferBasis?.Trim().Length > 300 => "Name and location take at most 200 characters; address, service and transfer basis at most 300.",
        { InEea: false } when string.IsNullOrWhiteSpace(input.TransferBasis) => "A sub-processor outside the EU/EEA needs a transfer basis (Art. 44 ff. GDPR).",
        _ => null,
    };

    private MimeMessage Compose(string address, string language, AnnouncedChange change, string dpaPageUrl)
    {
        var t = new ReportText(language == "de" ? "de" : "en");
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(t.Language);
        try
        {
            var body = string.Format(t.Culture, strings["We intend to change our sub-processors: {0}. The change takes effect on {1}. Until then you can object on the data processing agreement page: {2}"].Value,
                change.Describe(t), t.Date(change.EffectiveAt), dpaPageUrl);
            return MailMessages.Compose(email.Value, address, strings["Announced change of sub-processors"].Value, new TextPart("plain") { Text = body });
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    public async Task<ObjectionOutcome> ObjectAsync(string userId, Guid changeId, string? reason, CancellationToken cancellationToken = default)
    {
        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (reason?.Length > SubProcessorLimits.ReasonLength)
        {
            return ObjectionOutcome.ReasonTooLong;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var change = await db.SubProcessorChanges.AsNoTracking().FirstOrDefaultAsync(c => c.Id == changeId, cancellationToken);
        var now = time.GetUtcNow();
        if (change is null)
        {
            return ObjectionOutcome.UnknownChange;
        }
        if (change.EffectiveAt <= now)
        {
            return ObjectionOutcome.AlreadyEffective;
        }
        // An owner objects for their organization's DPA (a row from before organizations names its account).
        if (!await db.DpaAcceptances.AnyAsync(d => (d.OrganizationId == Guid.Empty && d.UserId == userId)
                || db.OrganizationMembers.Any(m => m.OrganizationId == d.OrganizationId && m.UserId == userId && m.Role == OrganizationRole.Owner), cancellationToken))
        {
            return ObjectionOutcome.NoDpa;
        }
        if (await db.SubProcessorObjections.AnyAsync(o => o.ChangeId == changeId && o.UserId == userId, cancellationToken))
        {
            return ObjectionOutcome.AlreadyObjected;
        }
        db.SubProcessorObjections.Add(new SubProcessorObjection { ChangeId = changeId, UserId = userId, At = now, Reason = reason });
        db.AuditEntries.Add(audit.Create(userId, userId, AuditActions.SubProcessorObjected, $"change {changeId}"));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // A second tab won the race: the unique index on (change, user) keeps one objection.
            await using var check = await dbFactory.CreateDbContextAsync(cancellationToken);
            if (await check.SubProcessorObjections.AnyAsync(o => o.ChangeId == changeId && o.UserId == userId, cancellationToken))
            {
                return ObjectionOutcome.AlreadyObjected;
            }
            throw;
        }
        logger.LogInformation("Objection to sub-processor change {ChangeId} recorded for {UserId}", changeId, userId);
        return ObjectionOutcome.Recorded;
    }

    /// <summary>Hides the banner for this change; false when the user has no notice for it.</summary>
    public async Task<bool> DismissAsync(string userId, Guid changeId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        return await db.SubProcessorNotices.Where(n => n.UserId == userId && n.ChangeId == changeId)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.DismissedAt, now), cancellationToken) > 0;
    }

    /// <summary>The changes the banner shows: notified, not dismissed, not yet in force.</summary>
    public async Task<IReadOnlyList<(Guid ChangeId, DateTimeOffset EffectiveAt)>> BannerAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var rows = await db.SubProcessorNotices.Where(n => n.UserId == userId && n.DismissedAt == null)
            .Join(db.SubProcessorChanges, n => n.ChangeId, c => c.Id, (n, c) => new { c.Id, c.EffectiveAt })
            .Where(c => c.EffectiveAt > now).OrderBy(c => c.EffectiveAt).ToListAsync(cancellationToken);
        return [.. rows.Select(r => (r.Id, r.EffectiveAt))];
    }

    /// <summary>The announced changes with the user's own objection, for the DPA page.</summary>
    public async Task<IReadOnlyList<CustomerChange>> ForCustomerAsync(string userId, CancellationToken cancellationToken = default)
    {
        var current = await registry.CurrentAsync(time.GetUtcNow(), cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var objections = await db.SubProcessorObjections.AsNoTracking().Where(o => o.UserId == userId).ToDictionaryAsync(o => o.ChangeId, o => o.At, cancellationToken);
        return [.. current.Announced.Select(c => new CustomerChange(c, objections.TryGetValue(c.Id, out var at) ? at : null))];
    }

    /// <summary>Every change, newest first, with who was notified and who objected (account e-mail, or the pseudonym after erasure).</summary>
    public async Task<IReadOnlyList<AdminChangeRow>> ForAdminAsync(ReportText t, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var changes = await db.SubProcessorChanges.AsNoTracking().Include(c => c.Added).Include(c => c.Removed)
            .OrderByDescending(c => c.AnnouncedAt).ToListAsync(cancellationToken);
        var objections = await db.SubProcessorObjections.AsNoTracking()
            .GroupJoin(db.Users, o => o.UserId, u => u.Id, (o, users) => new { o, users })
            .SelectMany(x => x.users.DefaultIfEmpty(), (x, u) => new { x.o.ChangeId, Account = u == null ? x.o.UserId : u.Email, x.o.At, x.o.Reason })
            .ToListAsync(cancellationToken);
        var notified = await db.SubProcessorNotices.GroupBy(n => n.ChangeId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        return [.. changes.Select(c => new AdminChangeRow(c.Id,
            new AnnouncedChange(c.Id, c.Kind, c.Added is null ? null : SubProcessorEntry.From(c.Added), c.Removed is null ? null : SubProcessorEntry.From(c.Removed), c.AnnouncedAt, c.EffectiveAt).Describe(t),
            c.AnnouncedAt, c.EffectiveAt, c.EffectiveAt <= now, notified.GetValueOrDefault(c.Id),
            [.. objections.Where(o => o.ChangeId == c.Id).OrderBy(o => o.At).Select(o => new ObjectionRow(o.Account ?? "", o.At, o.Reason))]))];
    }
}
