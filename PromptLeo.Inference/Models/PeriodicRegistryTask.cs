using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PromptLeo.Inference.Models;

/// <summary>
/// A background round on the model registry every <see cref="Period"/> (none when it is null). A failed round is logged
/// and the next one runs as usual (for example when the folder was briefly unreadable).
/// </summary>
internal abstract class PeriodicRegistryTask(TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>Time between rounds; null switches the task off.</summary>
    protected abstract TimeSpan? Period { get; }

    /// <summary>What the round does, for the log line of a failed round.</summary>
    protected abstract string What { get; }

    protected abstract Task RunRoundAsync(CancellationToken stoppingToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Period is not { } period)
            return;
        using var timer = new PeriodicTimer(period, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunRoundAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "{What} failed; the next round runs in {Seconds} s", What, period.TotalSeconds);
            }
        }
    }
}
