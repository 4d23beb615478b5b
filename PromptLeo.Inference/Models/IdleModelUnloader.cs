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
    ILogger<IdleModelUnloader> logger) : PeriodicRegistryTask(time, logger)
{
    private TimeSpan IdleFor => TimeSpan.FromSeconds(options.Value.IdleUnloadSeconds);

    // Checked a few times per idle period, so a model goes at most a quarter period late (and at least once a minute).
    protected override TimeSpan? Period =>
        options.Value.IdleUnloadSeconds > 0 ? TimeSpan.FromSeconds(Math.Clamp(options.Value.IdleUnloadSeconds / 4.0, 0.25, 60)) : null;

    protected override string What => "Unloading idle models";

    protected override Task RunRoundAsync(CancellationToken stoppingToken) => registry.UnloadIdleAsync(IdleFor);
}
