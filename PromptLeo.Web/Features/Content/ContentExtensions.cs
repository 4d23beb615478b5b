using Microsoft.Extensions.DependencyInjection.Extensions;

namespace PromptLeo.Web.Features.Content;

public static class ContentExtensions
{
    /// <summary>Encrypted content storage and the access guard the inference paths share.</summary>
    public static IHostApplicationBuilder AddPromptLeoContent(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<UserContentCipher>();
        services.TryAddSingleton<DataFileWriter>();
        services.AddSingleton<EncryptedFileStore>();
        services.AddSingleton<InferenceAccessGuard>();
        services.AddSingleton<PromptCacheScopes>();
        // Erasure, restriction, disable and revoked keys reach these caches on every node (Features/Cluster).
        services.AddSingleton<Cluster.IClusterInvalidationHandler>(sp => sp.GetRequiredService<UserContentCipher>());
        services.AddSingleton<Cluster.IClusterInvalidationHandler>(sp => sp.GetRequiredService<PromptCacheScopes>());
        return builder;
    }
}
