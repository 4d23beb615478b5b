using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Breaches;

/// <summary>What the admin enters when recording a breach; times are UTC.</summary>
public sealed class BreachInput
{
    public DateTimeOffset? DiscoveredAt { get; set; }
    public string? Description { get; set; }
    public BreachNature Nature { get; set; }
    public HashSet<string> Categories { get; set; } = [];
    public DateTimeOffset? WindowStart { get; set; }
    public DateTimeOffset? WindowEnd { get; set; }
    public string? ModelId { get; set; }
    public string? Node { get; set; }
    public string? Channel { get; set; }
    public string? Consequences { get; set; }
    public string? Measures { get; set; }
    public BreachRisk Risk { get; set; }
}

public sealed record BreachResult(BreachIncident? Incident, IReadOnlyList<string> Errors)
{
    public int Notified { get; init; }

    public int NotReachable { get; init; }

    public bool Succeeded => Errors.Count == 0;
}

public sealed record AffectedAccount(string UserId, string? Email, string Language, int Records);

/// <summary>Who the processing records show in an incident's window: live accounts can be told, erased ones only counted.</summary>
public sealed record AffectedUsers(IReadOnlyList<AffectedAccount> Accounts, int ErasedAccounts, int Records)
{
    public int Total => Accounts.Count + ErasedAccounts;
}

public static class BreachAuditActions
{
    public const string Recorded = "breach.recorded";
    public const string AuthorityNotified = "breach.authority-notified";
    public const string UserNotified = "breach.user-notified";
    public const string UsersNotified = "breach.users-notified";
    public const string Closed = "breach.closed";
    public const string DocumentDownloaded = "breach.document-downloaded";
}

/// <summary>
/// The breach register (Art. 33(5)): records incidents, finds the affected users from the processing records, keeps the
/// 72-hour clock and the notification steps, and writes every step to the audit log (ids and counts only).
/// </summary>
public sealed class BreachRegister(
    IDbContextFactory<AppDbContext> dbFactory,
    AuditLog audit,
    BreachDocuments documents,
    TimeProvider time,
    IStringLocalizer<BreachResource> T,
    ILogger<BreachRegister> logger)
{
    public const int TextLimit = 4000;
    public const int ReasonLimit = 2000;
    public const int ReferenceLimit = 200;

    // A browser clock a little ahead of the server's must not make "now" count as the future.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public async Task<BreachResult> RecordAsync(string actorId, BreachInput input, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var discovered = input.DiscoveredAt ?? now;
        var errors = new List<string>();
        if (discovered > now + ClockSkew)
        {
            errors.Add(T["The time of discovery cannot be in the future."]);
        }
        RequireText(errors, input.Description, TextLimit, T["Describe what happened."], T["The description is too long (at most 4000 characters)."]);
        if (input.Nature == BreachNature.None)
        {
            errors.Add(T["Choose at least one nature of the breach (confidentiality, integrity, availability)."]);
        }
        if (input.Categories.Count == 0 || !input.Categories.All(BreachTexts.IsCategory))
        {
            errors.Add(T["Choose the categories of personal data concerned."]);
        }
        if (input.WindowStart is not { } start || input.WindowEnd is not { } end)
        {
            errors.Add(T["Enter when the incident started and ended (UTC)."]);
        }
        else if (end < start)
        {
            errors.Add(T["The end of the incident window cannot be before its start."]);
        }
        else if (start > now + ClockSkew)
        {
            errors.Add(T["The incident window cannot start in the future."]);
        }
        RequireText(errors, input.Consequences, TextLimit, T["Describe the likely consequences."], T["The consequences are too long (at most 4000 characters)."]);
        RequireText(errors, input.Measures, TextLimit, T["Describe the measures taken or proposed."], T["The measures are too long (at most 4000 characters)."]);
        if (input.ModelId?.Length > 200 || input.Node?.Length > 100 || input.Channel?.Length > 16)
        {
            errors.Add(T["The model, node or channel is too long."]);
        }
        if (errors.Count > 0)
        {
            return new(null, errors);
        }
        var incident = new BreachIncident
        {
            RecordedAt = now,
            RecordedBy = actorId,
            DiscoveredAt = discovered,
            Description = input.Description!.Trim(),
            Nature = input.Nature,
            DataCategories = string.Join("; ", BreachTexts.Categories.Select(c => c.Key).Where(input.Categories.Contains)),
            WindowStart = input.WindowStart!.Value,
            WindowEnd = input.WindowEnd!.Value,
            ModelId = Blank(input.ModelId),
            Node = Blank(input.Node),
            Channel = Blank(input.Channel),
            Consequences = input.Consequences!.Trim(),
            Measures = input.Measures!.Trim(),
            Risk = input.Risk,
        };
        var affected = await FindAffectedAsync(incident, cancellationToken);
        incident.AffectedAccounts = affected.Total;
        incident.AffectedErasedAccounts = affected.ErasedAccounts;
        incident.AffectedRecords = affected.Records;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.BreachIncidents.Add(incident);
        await db.SaveChangesAsync(cancellationToken);
        db.AuditEntries.Add(audit.Create(actorId, null, BreachAuditActions.Recorded,
            $"incident {incident.Id}; risk {incident.Risk}; accounts {affected.Total} ({affected.ErasedAccounts} erased); records {affected.Records}"));
        await db.SaveChangesAsync(cancellationToken);
        logger.LogWarning("Personal data breach {IncidentId} recorded by {ActorId}: {Accounts} accounts, risk {Risk}", incident.Id, actorId, affected.Total, incident.Risk);
        return new(incident, []);
    }

    /// <summary>Open incidents first, each group newest discovery first.</summary>
    public async Task<IReadOnlyList<BreachIncident>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var all = await db.BreachIncidents.AsNoTracking().ToListAsync(cancellationToken);
        return [.. all.OrderBy(b => b.ClosedAt is not null).ThenByDescending(b => b.DiscoveredAt)];
    }

    public async Task<BreachIncident?> FindAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.BreachIncidents.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id, cancellationToken);
    }

    /// <summary>
    /// Every subject with a processing record in the window (narrowed by model, node and channel when set). A subject id
    /// with no account behind it belongs to an erased user: its records were pseudonymized and nobody can be told.
    /// </summary>
    public async Task<AffectedUsers> FindAffectedAsync(BreachIncident incident, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var records = db.ProcessingRecords.AsNoTracking().Where(r => r.At >= incident.WindowStart && r.At <= incident.WindowEnd);
        if (incident.ModelId is { } model)
        {
            records = records.Where(r => r.ModelId == model);
        }
        if (incident.Node is { } node)
        {
            records = records.Where(r => r.Node == node);
        }
        if (incident.Channel is { } channel)
        {
            records = records.Where(r => r.Channel == channel);
        }
        var perSubject = await records.GroupBy(r => r.SubjectId).Select(g => new { SubjectId = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var ids = perSubject.Select(s => s.SubjectId).ToList();
        var users = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id))
            .Select(u => new { u.Id, u.Email, u.PreferredLanguage }).ToDictionaryAsync(u => u.Id, cancellationToken);
        var accounts = perSubject.Where(s => users.ContainsKey(s.SubjectId))
            .Select(s => new AffectedAccount(s.SubjectId, users[s.SubjectId].Email, users[s.SubjectId].PreferredLanguage == "de" ? "de" : "en", s.Count))
            .OrderBy(a => a.Email, StringComparer.OrdinalIgnoreCase).ToList();
        return new(accounts, perSubject.Count - accounts.Count, perSubject.Sum(s => s.Count));
    }

    public async Task<BreachResult> MarkAuthorityNotifiedAsync(string actorId, int id, DateTimeOffset? at, string? reference, string? delayReason, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.BreachIncidents.FirstOrDefaultAsync(b => b.Id == id, cancellationToken) is not { } incident)
        {
            return new(null, [T["There is no incident with this number."]]);
        }
        var now = time.GetUtcNow();
        var notifiedAt = at ?? now;
        var errors = new List<string>();
        if (incident.AuthorityNotifiedAt is not null)
        {
            errors.Add(T["The authority notification is already recorded."]);
        }
        if (notifiedAt > now + ClockSkew)
        {
            errors.Add(T["The time of notification cannot be in the future."]);
        }
        else if (notifiedAt < incident.DiscoveredAt)
        {
            errors.Add(T["The time of notification cannot be before the discovery."]);
        }
        RequireText(errors, reference, ReferenceLimit, T["Enter the authority's reference (or your submission number)."], T["The reference is too long (at most 200 characters)."]);
        var late = BreachClock.IsLate(incident, notifiedAt);
        if (late)
        {
            RequireText(errors, delayReason, ReasonLimit, T["The notification is later than 72 hours after discovery: give the reasons for the delay (Art. 33(1))."], T["The reasons are too long (at most 2000 characters)."]);
        }
        if (errors.Count > 0)
        {
            return new(incident, errors);
        }
        incident.AuthorityNotifiedAt = notifiedAt;
        incident.AuthorityReference = reference!.Trim();
        incident.DelayReason = late ? delayReason!.Trim() : null;
        db.AuditEntries.Add(audit.Create(actorId, null, BreachAuditActions.AuthorityNotified, $"incident {id}; {(late ? "late" : "in time")}"));
        await db.SaveChangesAsync(cancellationToken);
        return new(incident, []);
    }

    /// <summary>
    /// Mails the Art. 34 notice to every reachable affected account in its language, once the admin confirmed. Refused
    /// without a high risk unless the admin decided to inform anyway; erased accounts are counted as not reachable.
    /// </summary>
    public async Task<BreachResult> NotifyUsersAsync(string actorId, int id, bool informAnyway, CancellationToken cancellationToken = default)
    {
        var incident = await FindAsync(id, cancellationToken);
        if (incident is null)
        {
            return new(null, [T["There is no incident with this number."]]);
        }
        if (incident.UsersNotifiedAt is not null)
        {
            return new(incident, [T["The users have already been notified."]]);
        }
        if (incident.Risk != BreachRisk.HighRisk && !informAnyway)
        {
            return new(incident, [T["Telling the users is required only when the risk is high (Art. 34(1)). Tick “inform anyway” to tell them nonetheless."]]);
        }
        var affected = await FindAffectedAsync(incident, cancellationToken);
        var sent = await documents.SendUserNoticesAsync(incident, affected.Accounts, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stored = await db.BreachIncidents.FirstAsync(b => b.Id == id, cancellationToken);
        stored.UsersNotifiedAt = time.GetUtcNow();
        stored.UsersNotified = sent.Count;
        // One entry per user, so each user sees in their own audit view that they were told.
        db.AuditEntries.AddRange(sent.Select(u => audit.Create(actorId, u, BreachAuditActions.UserNotified, $"incident {id}")));
        db.AuditEntries.Add(audit.Create(actorId, null, BreachAuditActions.UsersNotified,
            $"incident {id}; notified {sent.Count} of {affected.Accounts.Count}; erased, not reachable {affected.ErasedAccounts}"));
        await db.SaveChangesAsync(cancellationToken);
        return new(stored, []) { Notified = sent.Count, NotReachable = affected.Total - sent.Count };
    }

    public async Task<BreachResult> CloseAsync(string actorId, int id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.BreachIncidents.FirstOrDefaultAsync(b => b.Id == id, cancellationToken) is not { } incident)
        {
            return new(null, [T["There is no incident with this number."]]);
        }
        if (incident.ClosedAt is not null)
        {
            return new(incident, [T["The incident is already closed."]]);
        }
        if (incident.Risk != BreachRisk.Unlikely && incident.AuthorityNotifiedAt is null)
        {
            return new(incident, [T["A breach with a risk must be notified to the authority before it is closed."]]);
        }
        incident.ClosedAt = time.GetUtcNow();
        db.AuditEntries.Add(audit.Create(actorId, null, BreachAuditActions.Closed, $"incident {id}"));
        await db.SaveChangesAsync(cancellationToken);
        return new(incident, []);
    }

    public Task AuditDownloadAsync(string actorId, string document, CancellationToken cancellationToken) =>
        audit.WriteAsync(actorId, null, BreachAuditActions.DocumentDownloaded, document, cancellationToken);

    private static void RequireText(List<string> errors, string? value, int limit, string missing, string tooLong)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(missing);
        }
        else if (value.Trim().Length > limit)
        {
            errors.Add(tooLong);
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
