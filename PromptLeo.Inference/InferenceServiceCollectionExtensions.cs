using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Embeddings;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference;

/// <summary>Registers the in-process inference layer.</summary>
public static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// Adds the model registry, the chat engine, the image generator and the embedding engine. Binds <see cref="InferenceOptions"/> from
    /// the <c>Inference</c> section.
    /// </summary>
    public static IServiceCollection AddPromptLeoInference(this IServiceCollection services)
    {
        services.AddOptions<InferenceOptions>()
            .BindConfiguration(InferenceOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.MaxResidentBytesPerDevice.Values.All(v => v >= 0),
                $"{InferenceOptions.SectionName}:{nameof(InferenceOptions.MaxResidentBytesPerDevice)} values must be 0 (unlimited) or more.")
            .ValidateOnStart();
        services.AddModelRegistry();
        services.AddLlmEngine();
        services.AddDiffusionEngine();
        services.TryAddSingleton<ModelMetrics>();
        services.TryAddSingleton(sp => new InferenceTelemetry(
            sp.GetRequiredService<LlmMetrics>(), sp.GetRequiredService<DiffusionMetrics>(), sp.GetRequiredService<ModelMetrics>()));
        services.AddEmbeddingEngine();
        return services;
    }
}
