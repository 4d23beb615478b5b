using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Web.Features.Privacy;

public sealed record PurgeCounts(int Conversations, int Images, int Exports, int ProcessingRecords, int Certificates)
{
    public int Total => Conversations + Images + Exports + ProcessingRecords + Certificates;

    public override string ToString() =>
        $"conversations={Conversations}, images={Images}, exports={Exports}, processingRecords={ProcessingRecords}, certificates={Certificates}";
}

/// <summary>
/// Art. 5(1)(e) storage limitation: deletes chats and images past each user's retention, expired exports, processing
/// records past their retention date and expired erasure certificates. Logs and audits counts only.
/// </summary>
public sealed class RetentionPurger(IDbContextFactory<AppDbContext> dbFactory, EncryptedFileStore files, ExportFiles exportFiles, AuditLog audit, ILogger<RetentionPurger> logger)
{
    public async Task<PurgeCounts> PurgeAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var conversations = 0;
        var images = 0;

        var chatPolicies = await db.Users.Where(u => u.ChatRetentionDays != null && u.ChatRetentionDays >= 0)
            .Select(u => new { u.Id, Days = u.ChatRetentionDays!.Value }).ToListAsync(cancellationToken);
        foreach (var policy in chatPolicies)
        {
            var cutoff = now.AddDays(-policy.Days);
            var ids = await db.Conversations.Where(c => c.UserId == policy.Id && c.UpdatedAt < cutoff).Select(c => c.Id).ToListAsync(cancellationToken);
            if (ids.Count > 0)
            {
                await db.ConversationMessages.Where(m => ids.Contains(m.ConversationId)).ExecuteDeleteAsync(cancellationToken);
                conversations += await db.Conversations.Where(c => ids.Contains(c.Id)).ExecuteDeleteAsync(cancellationToken);
            }
        }

        var imagePolicies = await db.Users.Where(u => u.ImageRetentionDays != null && u.ImageRetentionDays > 0)
            .Select(u => new { u.Id, Days = u.ImageRetentionDays!.Value }).ToListAsync(cancellationToken);
        foreach (var policy in imagePolicies)
        {
            var cutoff = now.AddDays(-policy.Days);
            var expired = await db.GeneratedImages.Where(i => i.UserId == policy.Id && i.CreatedAt < cutoff).Select(i => new { i.Id, i.FileName }).ToListAsync(cancellationToken);
            foreach (var image in expired)
            {
                files.Delete(policy.Id, image.FileName);
            }
            var ids = expired.Select(i => i.Id).ToList();
            images += await db.GeneratedImages.Where(i => ids.Contains(i.Id)).ExecuteDeleteAsync(cancellationToken);
        }

        // Only finished exports expire; a queued or running one gets its window when it completes.
        var expiredExports = await db.DataExports.Where(e => e.ExpiresAt < now && (e.Status == ExportStatus.Completed || e.Status == ExportStatus.Failed)).Select(e => new { e.Id, e.UserId }).ToListAsync(cancellationToken);
        foreach (var export in expiredExports)
        {
            exportFiles.Delete(export.UserId, export.Id);
        }
        var exportIds = expiredExports.Select(e => e.Id).ToList();
        var exports = await db.DataExports.Where(e => exportIds.Contains(e.Id)).ExecuteDeleteAsync(cancellationToken);

        var records = await db.ProcessingRecords.Where(r => r.RetentionUntil < now).ExecuteDeleteAsync(cancellationToken);
        var certificates = await db.ErasureJobs.Where(j => j.Certificate != null && j.CertificateExpiresAt < now)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Certificate, (byte[]?)null), cancellationToken);

        var counts = new PurgeCounts(conversations, images, exports, records, certificates);
        if (counts.Total > 0)
        {
            db.AuditEntries.Add(audit.Create(AuditActions.System, null, AuditActions.RetentionPurged, counts.ToString()));
            await db.SaveChangesAsync(cancellationToken);
            await SqliteHygiene.CheckpointAsync(db, cancellationToken);
        }
        logger.LogInformation("Retention purge removed {Conversations} conversations, {Images} images, {Exports} exports, {Records} processing records, {Certificates} certificates",
            counts.Conversations, counts.Images, counts.Exports, counts.ProcessingRecords, counts.Certificates);
        return counts;
    }
}

/// <summary>Runs the purge at start and then every <see cref="PrivacyOptions.PurgeIntervalMinutes"/>.</summary>
public sealed class RetentionPurgeService(RetentionPurger purger, Microsoft.Extensions.Options.IOptions<PrivacyOptions> options, TimeProvider time, ILogger<RetentionPurgeService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(options.Value.PurgeIntervalMinutes), time);
        do
        {
            try
            {
                await purger.PurgeAsync(time.GetUtcNow(), stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Retention purge failed; it runs again at the next interval");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
