using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// Art. 5(1)(e) storage limitation: the features' content past each user's retention (through
/// <see cref="IRetentionParticipant"/>), expired exports, processing records past their retention date and expired
/// erasure certificates. Logs and audits counts only.
/// </summary>
public sealed class RetentionPurger(IDbContextFactory<AppDbContext> dbFactory, IServiceProvider services, ExportFiles exportFiles, AuditLog audit, ILogger<RetentionPurger> logger)
{
    public async Task<PurgeCounts> PurgeAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var counts = new Dictionary<string, int>();
        // The features' content (conversations, images) under each user's retention setting.
        foreach (var participant in services.GetServices<IRetentionParticipant>())
        {
            foreach (var (category, count) in await participant.PurgeAsync(db, now, cancellationToken))
            {
                counts[category] = count;
            }
        }

        // Only finished exports expire; a queued or running one gets its window when it completes.
        var expiredExports = await db.DataExports.Where(e => e.ExpiresAt < now && (e.Status == ExportStatus.Completed || e.Status == ExportStatus.Failed)).Select(e => new { e.Id, e.UserId }).ToListAsync(cancellationToken);
        foreach (var export in expiredExports)
        {
            exportFiles.Delete(export.UserId, export.Id);
        }
        var exportIds = expiredExports.Select(e => e.Id).ToList();
        counts["exports"] = await db.DataExports.Where(e => exportIds.Contains(e.Id)).ExecuteDeleteAsync(cancellationToken);

        counts["processingRecords"] = await db.ProcessingRecords.Where(r => r.RetentionUntil < now).ExecuteDeleteAsync(cancellationToken);
        counts["certificates"] = await db.ErasureJobs.Where(j => j.Certificate != null && j.CertificateExpiresAt < now)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Certificate, (byte[]?)null), cancellationToken);

        var purged = new PurgeCounts(counts);
        if (purged.Total > 0)
        {
            db.AuditEntries.Add(audit.Create(AuditActions.System, null, AuditActions.RetentionPurged, purged.ToString()));
            await db.SaveChangesAsync(cancellationToken);
            await SqliteHygiene.CheckpointAsync(db, cancellationToken);
        }
        logger.LogInformation("Retention purge removed {Counts}", purged.ToString());
        return purged;
    }
}
