namespace PromptLeo.Web.Features.Privacy;

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
