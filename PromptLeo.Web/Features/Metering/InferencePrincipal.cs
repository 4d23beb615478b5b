using PromptLeo.Web.Features.Content;

namespace PromptLeo.Web.Features.Metering;

/// <summary>Who asks for inference: a signed-in user in the portal, or the owner of an API key.</summary>
public sealed record InferencePrincipal(string UserId, Guid? ApiKeyId = null)
{
    /// <summary>"portal" or "api", as stamped on the processing record.</summary>
    public string Channel => ApiKeyId is null ? "portal" : "api";

    /// <summary>The prompt-cache scope of this caller: never shared with another user or another key.</summary>
    public string CacheScope => PromptCacheScopes.For(UserId, ApiKeyId);
}
