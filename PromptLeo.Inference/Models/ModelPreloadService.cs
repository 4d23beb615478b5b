using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PromptLeo.Inference.Models;

/// <summary>Scans the models folder at start and, with <see cref="InferenceOptions.PreloadModels"/>, loads every model.</summary>
internal sealed class ModelPreloadService(
    IModelRegistry registry,
    IOptions<InferenceOptions> options,
    ILogger<ModelPreloadService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await registry.RescanAsync(stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // Models folder not configured or unreadable: the portal still starts; every model use reports the reason.
            logger.LogError(ex, "The models folder could not be scanned");
            return;
        }

        if (!options.Value.PreloadModels)
            return;
        foreach (var status in registry.List().Where(s => s.State == ModelState.NotLoaded))
        {
            try
            {
                using var lease = await registry.AcquireAsync(status.Manifest.Id, stoppingToken);
            }
            catch (ModelLoadException)
            {
                // The registry has logged the reason and shows it in the model status.
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Preloading model {ModelId} failed", status.Manifest.Id);
            }
        }
    }
}
