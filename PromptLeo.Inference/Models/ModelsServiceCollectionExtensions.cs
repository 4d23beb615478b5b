using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using PromptLeo.Inference.Models.Demo;

namespace PromptLeo.Inference.Models;

/// <summary>Registers the model registry, the downloader and the demo-model installer.</summary>
public static class ModelsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IModelRegistry"/> (also as <see cref="ModelRegistry"/>), <see cref="ModelDownloader"/>,
    /// <see cref="DemoModelInstaller"/> and the hosted service that scans (and with
    /// <see cref="InferenceOptions.PreloadModels"/> loads) the models at start. Loaders are added per kind as
    /// <see cref="IModelLoader"/> singletons.
    /// </summary>
    public static IServiceCollection AddModelRegistry(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ModelRegistry>();
        services.TryAddSingleton<IModelRegistry>(sp => sp.GetRequiredService<ModelRegistry>());
        services.TryAddSingleton<DemoModelInstaller>();
        services.AddHttpClient<ModelDownloader>(client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddHostedService<ModelPreloadService>();
        services.AddHostedService<ModelFileMonitor>();
        services.AddHostedService<IdleModelUnloader>();
        return services;
    }
}
