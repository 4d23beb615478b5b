using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Cluster;
using PromptLeo.Web.Features.Content;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// Runs queued exports in the background, each under its own lease so that one node of the cluster runs it; re-queues
/// unfinished exports at start and every minute, so an export whose node died is taken over once its lease has expired.
/// </summary>
public sealed class ExportWorker(IDbContextFactory<AppDbContext> dbFactory, ExportQueue queue, PersonalDataExporter exporter, ExportFiles exportFiles, ClusterLeases leases, AuditLog audit, IOptions<PrivacyOptions> options, TimeProvider time, ILogger<ExportWorker> logger) : BackgroundService
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    /// <summary>The lease under which one node runs an export.</summary>
    public static string LeaseName(Guid exportId) => $"export:{exportId}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sweeping = SweepAsync(stoppingToken);
        await foreach (var exportId in queue.ReadAllAsync(stoppingToken))
        {
            try
            {
                await RunAsync(exportId, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // One export that cannot even be marked (database unavailable) must not stop the worker or the host.
                logger.LogError(ex, "Export {ExportId} could not be run; the next sweep re-queues it", exportId);
            }
        }
        await sweeping;
    }

    /// <summary>Queues every unfinished export (queued elsewhere, or interrupted); those running under a live lease are skipped by <see cref="RunAsync"/>.</summary>
    private async Task SweepAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SweepInterval, time);
        try
        {
            do
            {
                try
                {
                    await using var db = await dbFactory.CreateDbContextAsync(stoppingToken);
                    foreach (var id in await db.DataExports.Where(e => e.Status == ExportStatus.Queued || e.Status == ExportStatus.Running).Select(e => e.Id).ToListAsync(stoppingToken))
                    {
                        await queue.EnqueueAsync(id, stoppingToken);
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogError(ex, "Unfinished exports could not be re-queued; the next sweep tries again");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>Runs the export unless another run holds its lease (on this node or another) or it has finished; true when this call ran it.</summary>
    internal async Task<bool> RunAsync(Guid exportId, CancellationToken cancellationToken)
    {
        var ran = false;
        await leases.RunExclusiveAsync(LeaseName(exportId), ClusterLeases.DefaultDuration, async token => ran = await RunLeasedAsync(exportId, token), cancellationToken);
        return ran;
    }

    /// <summary>Runs the export to its end under the lease; false when it had finished already (another node ran it).</summary>
    private async Task<bool> RunLeasedAsync(Guid exportId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var export = await db.DataExports.FirstOrDefaultAsync(e => e.Id == exportId, cancellationToken);
        if (export is null || export.Status is ExportStatus.Completed or ExportStatus.Failed)
        {
            return false;
        }
        export.Status = ExportStatus.Running;
        export.Progress = 0;
        await db.SaveChangesAsync(cancellationToken);
        try
        {
            var size = await exporter.WriteAsync(export, async percent =>
            {
                if (percent != export.Progress)
                {
                    export.Progress = percent;
                    await db.SaveChangesAsync(cancellationToken);
                }
            }, cancellationToken);
            export.Status = ExportStatus.Completed;
            export.Progress = 100;
            export.ByteSize = size;
            export.CompletedAt = time.GetUtcNow();
            // The download window starts when the file exists, not when it was requested.
            export.ExpiresAt = export.CompletedAt.Value.AddHours(options.Value.ExportLinkHours);
            db.AuditEntries.Add(audit.Create(AuditActions.System, export.UserId, AuditActions.ExportCompleted, $"export {export.Id}, {size} bytes"));
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Export {ExportId} finished ({Bytes} bytes)", export.Id, size);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var storageFull = StorageFaults.IsStorageFull(ex);
            if (storageFull)
            {
                logger.LogError(ex, "Export {ExportId} failed: the data folder's disk is full", export.Id);
            }
            else
            {
                logger.LogError(ex, "Export {ExportId} failed", export.Id);
            }
            exportFiles.Delete(export.UserId, export.Id);
            export.Status = ExportStatus.Failed;
            export.Error = storageFull ? ExportErrors.StorageFull : ExportErrors.Failed;
            await db.SaveChangesAsync(CancellationToken.None);
        }
        return true;
    }
}
