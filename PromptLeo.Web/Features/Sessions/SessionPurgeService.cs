namespace PromptLeo.Web.Features.Sessions;

/// <summary>Deletes idle sessions hourly, so devices and networks are not kept past the cookie lifetime.</summary>
internal sealed class SessionPurgeService(SessionStore sessions, ILogger<SessionPurgeService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        do
        {
            try
            {
                var purged = await sessions.PurgeIdleAsync(stoppingToken);
                if (purged > 0)
                {
                    logger.LogInformation("Purged {Count} idle sessions", purged);
                }
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
