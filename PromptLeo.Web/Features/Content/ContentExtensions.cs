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
        return builder;
    }
}
