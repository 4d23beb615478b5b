namespace PromptLeo.Web.Features.ApiKeys;

public static class ApiKeysExtensions
{
    /// <summary>API keys: the key service (create, verify, revoke) and the <c>ApiKey</c> bearer authentication scheme.</summary>
    public static IHostApplicationBuilder AddPromptLeoApiKeys(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ApiKeyService>();
        builder.Services.AddSingleton<InvalidApiKeyThrottle>();
        builder.Services.AddAuthentication().AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        return builder;
    }
}
