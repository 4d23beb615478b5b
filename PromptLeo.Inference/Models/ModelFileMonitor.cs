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
    ILogger<ModelFileMonitor> logger) : PeriodicRegistryTask(time, logger)
{
    protected override TimeSpan? Period =>
        options.Value.ModelFileCheckSeconds is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : null;

    protected override string What => "Checking the loaded models' files";

    protected override Task RunRoundAsync(CancellationToken stoppingToken) => registry.VerifyLoadedFilesAsync(stoppingToken);
}
