using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PromptLeo.Inference.Models;

/// <summary>
/// Unloads models no request has used for <see cref="InferenceOptions.IdleUnloadSeconds"/> (like Ollama's keep_alive),
/// so their memory is free for other models or other programs. A model with a lease is never unloaded.
/// </summary>
internal sealed class IdleModelUnloader(
    ModelRegistry registry,
    IOptions<InferenceOptions> options,
    TimeProvider time,
    ILogger<IdleModelUnloader> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = options.Value.IdleUnloadSeconds;
        if (seconds <= 0)
            return;
        var idleFor = TimeSpan.FromSeconds(seconds);
        // Checked a few times per period, so a model goes at most a quarter period late (and at least once a minute).
        var period = TimeSpan.FromSeconds(Math.Clamp(seconds / 4.0, 0.25, 60));
        using var timer = new PeriodicTimer(period, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await registry.UnloadIdleAsync(idleFor);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Unloading idle models failed; the next check runs in {Seconds} s", period.TotalSeconds);
            }
        }
    }
}
