using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Diffusion;

/// <summary>Registers the ONNX image engine.</summary>
internal static class DiffusionServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="DiffusionOptions"/> (<c>Inference:Diffusion</c>) and registers the execution-provider
    /// selector, the loaders for diffusion and background-removal models (as <see cref="IModelLoader"/>) and
    /// <see cref="IImageGenerator"/>. The model registry itself is registered by the model layer.
    /// </summary>
    internal static IServiceCollection AddDiffusionEngine(this IServiceCollection services)
    {
        services.AddOptions<DiffusionOptions>()
            .BindConfiguration(DiffusionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<ExecutionProviderSelector>();
        services.AddSingleton<IModelLoader>(sp => DiffusionModelLoader.Create(sp.GetRequiredService<ExecutionProviderSelector>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IModelLoader, BackgroundRemovalModelLoader>();
        services.TryAddSingleton<DiffusionMetrics>();
        services.TryAddSingleton<IImageGenerator, ImageGenerator>();
        services.AddHostedService<CudaStartupCheck>();
        return services;
    }
}
