using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using PromptLeo.Inference.Models.Demo;

namespace PromptLeo.Inference.Models;

/// <summary>Registers the model registry, the downloader and the demo-model installer.</summary>
public static class ModelsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IModelRegistry"/> (also as <see cref="ModelRegistry"/>), <see cref="ModelPackageInstaller"/>, <see cref="ModelDownloader"/>,
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
        // Redirects are followed by hand, so the X-Linked-* headers of the first hop (Hugging Face) are kept.
        services.AddHttpClient<ModelPackageInstaller>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        // One installer per process, so "one install per model id" holds across callers.
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<ModelPackageInstaller>(sp,
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(ModelPackageInstaller))));
        services.TryAddSingleton<ModelDownloader>();
        services.AddHostedService<ModelPreloadService>();
        services.AddHostedService<ModelFileMonitor>();
        services.AddHostedService<IdleModelUnloader>();
        return services;
    }
}
