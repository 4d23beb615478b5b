using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PromptLeo.Inference.Models;

/// <summary>
/// Every <see cref="InferenceOptions.ModelFileCheckSeconds"/> compares the files of the loaded models with what was
/// loaded, so a deleted or corrupted model file shows as failed on the admin page even before the next request.
/// </summary>
internal sealed class ModelFileMonitor(
    ModelRegistry registry,
    IOptions<InferenceOptions> options,
    TimeProvider time,
    ILogger<ModelFileMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = options.Value.ModelFileCheckSeconds;
        if (seconds <= 0)
            return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await registry.VerifyLoadedFilesAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // One failed round (e.g. the folder briefly unreadable) is logged; the next round runs as usual.
                logger.LogError(ex, "Checking the loaded models' files failed; the next check runs in {Seconds} s", seconds);
            }
        }
    }
}
