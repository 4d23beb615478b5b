namespace PromptLeo.Web.Features.Metering;

public static class MeteringExtensions
{
    /// <summary>The metered-inference service every inference path goes through.</summary>
    public static IHostApplicationBuilder AddPromptLeoMetering(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<MeteredInference>();
        builder.Services.AddSingleton<MeteredEmbeddings>();
        return builder;
    }
}
