using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Cluster;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>Starts exports (one at a time per user) and serves their state.</summary>
public sealed class DataExportService(IDbContextFactory<AppDbContext> dbFactory, ExportQueue queue, AuditLog audit, IOptions<PrivacyOptions> options, TimeProvider time)
{
    // Check-then-insert must not interleave: a double click would start two exports. In this node this lock; across nodes the account's row lock.
    private readonly SemaphoreSlim requestLock = new(1, 1);

    /// <summary>Queues an export, or returns the one already queued or running.</summary>
    public async Task<DataExport> RequestAsync(string userId, CancellationToken cancellationToken = default)
    {
        await requestLock.WaitAsync(cancellationToken);
        try
        {
            return await RequestLockedAsync(userId, cancellationToken);
        }
        finally
        {
            requestLock.Release();
        }
    }

    private async Task<DataExport> RequestLockedAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        await RowLocks.LockUserAsync(db, userId, cancellationToken);
        var running = await db.DataExports.AsNoTracking()
            .FirstOrDefaultAsync(e => e.UserId == userId && (e.Status == ExportStatus.Queued || e.Status == ExportStatus.Running), cancellationToken);
        if (running is not null)
        {
            return running;
        }
        var now = time.GetUtcNow();
        var export = new DataExport { UserId = userId, Status = ExportStatus.Queued, CreatedAt = now, ExpiresAt = now.AddHours(options.Value.ExportLinkHours) };
        db.DataExports.Add(export);
        db.AuditEntries.Add(audit.Create(userId, userId, AuditActions.ExportRequested, $"export {export.Id}"));
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        await queue.EnqueueAsync(export.Id, cancellationToken);
        return export;
    }

    public async Task<List<DataExport>> ListAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.DataExports.AsNoTracking().Where(e => e.UserId == userId).OrderByDescending(e => e.CreatedAt).Take(10).ToListAsync(cancellationToken);
    }

    /// <summary>The owner's completed, unexpired export, else null (which the endpoint answers with 404).</summary>
    public async Task<DataExport?> FindDownloadableAsync(string userId, Guid exportId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        return await db.DataExports.AsNoTracking()
            .FirstOrDefaultAsync(e => e.Id == exportId && e.UserId == userId && e.Status == ExportStatus.Completed && e.ExpiresAt > now, cancellationToken);
    }
}
