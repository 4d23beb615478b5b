using PromptLeo.Web.Features.Cluster;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// Runs interrupted erasures to the end: all pending jobs at start-up, then every five minutes those older than five
/// minutes (a request that failed half-way), so a locked, half-erased account never stays that way. One node of the
/// cluster looks at a time (a lease, released after the look, so that a restarted node looks at once); each job runs
/// under its own lease, so a job still running elsewhere is left alone and a job whose node died is taken over once
/// that node's lease has expired.
/// </summary>
public sealed class ErasureResumeService(AccountEraser eraser, ClusterLeases leases, TimeProvider time, ILogger<ErasureResumeService> logger) : BackgroundService
{
    public const string LeaseName = "job:erasure-resume";
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cutoff = time.GetUtcNow();
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await leases.RunExclusiveAsync(LeaseName, ClusterLeases.DefaultDuration, token => ResumeAsync(cutoff, token), stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Database unavailable for this round: the jobs are found again at the next tick.
                logger.LogError(ex, "Looking for interrupted erasures failed; the next check runs in {Minutes} minutes", Interval.TotalMinutes);
            }
            cutoff = time.GetUtcNow() - Interval;
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task ResumeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        foreach (var jobId in await eraser.PendingJobsAsync(cutoff, cancellationToken))
        {
            try
            {
                await eraser.ContinueAsync(jobId, cancellationToken, resumed: true);
                logger.LogInformation("Interrupted erasure {JobId} resumed and completed", jobId);
            }
            catch (ErasureInProgressException)
            {
                logger.LogInformation("Erasure {JobId} is running on another node; left to it", jobId);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Interrupted erasure {JobId} could not be completed; it stays locked and is retried", jobId);
            }
        }
    }
}
