using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>Stable audit action names.</summary>
public static class AuditActions
{
    public const string AdminViewedUser = "admin.viewed-user";
    public const string RoleChanged = "account.role-changed";
    public const string ExportRequested = "export.requested";
    public const string ExportCompleted = "export.completed";
    public const string ExportDownloaded = "export.downloaded";
    public const string ErasureRequested = "erasure.requested";
    public const string ErasureCompleted = "erasure.completed";
    public const string ApiKeyCreated = "apikey.created";
    public const string ApiKeyRevoked = "apikey.revoked";
    public const string ApiKeyChanged = "apikey.changed";
    public const string RetentionPurged = "retention.purged";
    public const string RetentionChanged = "retention.changed";
    public const string RestrictionChanged = "restriction.changed";
    public const string ProfileChanged = "profile.changed";
    public const string DpaAccepted = "dpa.accepted";
    public const string SessionEnded = "session.ended";
    public const string SignedOutEverywhere = "session.signed-out-everywhere";
    public const string AccountDisabled = "account.disabled";
    public const string AccountEnabled = "account.enabled";
    public const string ModelLoaded = "model.loaded";
    public const string ModelUnloaded = "model.unloaded";
    public const string ModelDeleted = "model.deleted";
    public const string ModelEnabled = "model.enabled";
    public const string ModelDisabled = "model.disabled";
    public const string RemoteEndpointAdded = "remote-endpoint.added";
    public const string RemoteEndpointChanged = "remote-endpoint.changed";
    public const string RemoteEndpointRemoved = "remote-endpoint.removed";
    public const string PriceChanged = "price.changed";
    public const string SubProcessorChangeAnnounced = "subprocessor.change-announced";
    public const string SubProcessorObjected = "subprocessor.objected";

    public const string ConversationDeleted = "chat.conversation-deleted";
    public const string ImageDeleted = "images.image-deleted";

    public const string System = "system";

    /// <summary>The actor for operator verbs run on the server's command line.</summary>
    public const string CommandLine = "cli";
}

public sealed record AuditQuery(string? SubjectId = null, string? Action = null, DateTimeOffset? From = null, DateTimeOffset? To = null, int Page = 0, int PageSize = 25);

public sealed record AuditPage(IReadOnlyList<AuditEntry> Items, int Total);

/// <summary>Writes and reads the audit log. Details hold counts and ids, never content or addresses.</summary>
public sealed class AuditLog(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time)
{
    public AuditEntry Create(string actorId, string? subjectId, string action, string details = "") =>
        new() { At = time.GetUtcNow(), ActorId = actorId, SubjectId = subjectId, Action = action, Details = details.Length > 1000 ? details[..1000] : details };

    public async Task WriteAsync(string actorId, string? subjectId, string action, string details = "", CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.AuditEntries.Add(Create(actorId, subjectId, action, details));
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Newest first. Pass the user's own id as <see cref="AuditQuery.SubjectId"/> for the self view.</summary>
    public async Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var q = db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrEmpty(query.SubjectId))
        {
            q = q.Where(a => a.SubjectId == query.SubjectId);
        }
        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            q = q.Where(a => a.Action.StartsWith(query.Action));
        }
        if (query.From is { } from)
        {
            q = q.Where(a => a.At >= from);
        }
        if (query.To is { } to)
        {
            q = q.Where(a => a.At < to);
        }
        var total = await q.CountAsync(cancellationToken);
        var items = await q.OrderByDescending(a => a.At).ThenByDescending(a => a.Id)
            .Skip(Math.Max(0, query.Page) * query.PageSize).Take(Math.Clamp(query.PageSize, 1, 200))
            .ToListAsync(cancellationToken);
        return new AuditPage(items, total);
    }
}

/// <summary>Writes the account events of <see cref="Accounts.IAccountActivity"/> into the user's own audit log.</summary>
public sealed class AccountActivityLog(AuditLog audit) : Accounts.IAccountActivity
{
    public Task RecordAsync(string userId, string action, string details = "") => audit.WriteAsync(userId, userId, action, details);
}
