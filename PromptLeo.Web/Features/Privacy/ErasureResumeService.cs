namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// Runs interrupted erasures to the end: all pending jobs at start-up, then every five minutes those older than five
/// minutes (a request that failed half-way), so a locked, half-erased account never stays that way.
/// </summary>
public sealed class ErasureResumeService(AccountEraser eraser, TimeProvider time, ILogger<ErasureResumeService> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cutoff = time.GetUtcNow();
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            IReadOnlyList<Guid> pending;
            try
            {
                pending = await eraser.PendingJobsAsync(cutoff, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Database unavailable for this round: the jobs are found again at the next tick.
                logger.LogError(ex, "Looking for interrupted erasures failed; the next check runs in {Minutes} minutes", Interval.TotalMinutes);
                continue;
            }
            foreach (var jobId in pending)
            {
                try
                {
                    await eraser.ContinueAsync(jobId, stoppingToken, resumed: true);
                    logger.LogInformation("Interrupted erasure {JobId} resumed and completed", jobId);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Interrupted erasure {JobId} could not be completed; it stays locked and is retried", jobId);
                }
            }
            cutoff = time.GetUtcNow() - Interval;
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
