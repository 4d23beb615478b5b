using PromptLeo.Web.Features.Cluster;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>Runs the purge at start and then every <see cref="PrivacyOptions.PurgeIntervalMinutes"/>, on one node of the cluster per interval.</summary>
public sealed class RetentionPurgeService(RetentionPurger purger, ClusterLeases leases, Microsoft.Extensions.Options.IOptions<PrivacyOptions> options, TimeProvider time, ILogger<RetentionPurgeService> logger) : BackgroundService
{
    public const string LeaseName = "job:retention-purge";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMinutes(options.Value.PurgeIntervalMinutes);
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            try
            {
                await leases.RunOncePerIntervalAsync(LeaseName, interval, token => purger.PurgeAsync(time.GetUtcNow(), token), stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Retention purge failed; it runs again at the next interval");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
