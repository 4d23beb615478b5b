using PromptLeo.Web.Features.Cluster;

namespace PromptLeo.Web.Features.Sessions;

/// <summary>Deletes idle sessions hourly, on one node of the cluster per hour, so devices and networks are not kept past the cookie lifetime.</summary>
internal sealed class SessionPurgeService(SessionStore sessions, ClusterLeases leases, ILogger<SessionPurgeService> logger) : BackgroundService
{
    public const string LeaseName = "job:session-purge";
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await leases.RunOncePerIntervalAsync(LeaseName, Interval, async token =>
                {
                    var purged = await sessions.PurgeIdleAsync(token);
                    if (purged > 0)
                    {
                        logger.LogInformation("Purged {Count} idle sessions", purged);
                    }
                }, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One failed round (a locked database, say) must not stop the host; the next hour tries again.
                logger.LogWarning(ex, "Purging idle sessions failed; retrying in an hour");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
