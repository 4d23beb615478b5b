using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Llm;

internal static class LlmServiceCollectionExtensions
{
    /// <summary>Adds the GGUF chat loader and <see cref="IChatEngine"/>; binds <see cref="LlmOptions"/> from <c>Inference:Llm</c>.</summary>
    internal static IServiceCollection AddLlmEngine(this IServiceCollection services)
    {
        services.AddOptions<LlmOptions>()
            .BindConfiguration(LlmOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<LlmMetrics>();
        services.TryAddSingleton<LlamaNativeLibrary>();
        services.TryAddSingleton<PromptCacheDirectory>();
        services.TryAddSingleton<IPromptCache>(sp => sp.GetRequiredService<PromptCacheDirectory>());
        services.AddSingleton<IModelLoader, GgufModelLoader>();
        services.TryAddSingleton<IChatEngine, LlamaChatEngine>();
        return services;
    }
}
