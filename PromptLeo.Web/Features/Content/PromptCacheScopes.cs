using PromptLeo.Inference.Llm;
using PromptLeo.Web.Features.Cluster;

namespace PromptLeo.Web.Features.Content;

/// <summary>
/// Prompt-cache scopes (see <see cref="ChatRequest.CacheScope"/>): the portal's is the user id and each API key's sits
/// below it (<c>user/key</c>), so a kept KV cache is never matched for another user or another key, and dropping the
/// user's scope drops every key's too. A shared cache would tell through its timing which prompts others sent.
/// The drops arrive as invalidation messages (<see cref="IClusterBus"/>), so every node's models drop them.
/// </summary>
public sealed class PromptCacheScopes(IPromptCache cache, ILogger<PromptCacheScopes> logger) : IClusterInvalidationHandler
{
    public static string For(string userId, Guid? apiKeyId = null) => apiKeyId is { } key ? $"{userId}/{key:N}" : userId;

    /// <summary>Erasure, restriction, disable and signing out everywhere: nothing of the user stays in a KV cache.</summary>
    public void DropUser(string userId)
    {
        cache.DropScope(For(userId));
        logger.LogInformation("Prompt cache dropped for user {UserId}", userId);
    }

    /// <summary>A revoked key's conversations go at once.</summary>
    public void DropApiKey(string userId, Guid keyId)
    {
        cache.DropScope(For(userId, keyId));
        logger.LogInformation("Prompt cache dropped for API key {KeyId}", keyId);
    }

    void IClusterInvalidationHandler.Invalidate(ClusterInvalidation message)
    {
        // Everything: the prompt cache has no drop-all; that gap after a lost Redis connection is named in docs/operations.md.
        switch (message.Scope)
        {
            case InvalidationScope.User:
                DropUser(message.UserId);
                break;
            case InvalidationScope.ApiKey when message.Id is { } keyId:
                DropApiKey(message.UserId, keyId);
                break;
        }
    }
}
