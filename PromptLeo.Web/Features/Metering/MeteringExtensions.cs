using Microsoft.Extensions.DependencyInjection.Extensions;

namespace PromptLeo.Web.Features.Metering;

public static class MeteringExtensions
{
    /// <summary>The metered-inference service every inference path goes through.</summary>
    public static IHostApplicationBuilder AddPromptLeoMetering(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<MeteredInference>();
        builder.Services.AddSingleton<MeteredEmbeddings>();
        // The metered IChatClient / IEmbeddingGenerator per principal; the engines' own ones are not registered, so no
        // feature can reach a model around the meter.
        builder.Services.AddSingleton<MeteredClients>();
        // Remote inference replaces this with a router that also knows the registered endpoints.
        builder.Services.TryAddSingleton<IInferenceRouter, LocalInferenceRouter>();
        return builder;
    }
}
