namespace PromptLeo.Web.Features.Cluster;

/// <summary>What a node must forget: everything of a user, one API key's state, one browser session, or all it holds.</summary>
public enum InvalidationScope
{
    /// <summary>Erased, restricted, disabled or signed out everywhere: the data key, session checks and prompt caches.</summary>
    User,
    /// <summary>A revoked key: its prompt caches (and any cached lookup of it).</summary>
    ApiKey,
    /// <summary>One signed-out browser: its cached session check.</summary>
    Session,
    /// <summary>Messages may have been missed (Redis reconnected): every cached user state goes.</summary>
    Everything,
}

/// <summary>An invalidation message; it carries ids only, never personal data.</summary>
public sealed record ClusterInvalidation(InvalidationScope Scope, string UserId, Guid? Id = null)
{
    public static ClusterInvalidation ForUser(string userId) => new(InvalidationScope.User, userId);

    public static ClusterInvalidation ForApiKey(string userId, Guid keyId) => new(InvalidationScope.ApiKey, userId, keyId);

    public static ClusterInvalidation ForSession(string userId, Guid sessionId) => new(InvalidationScope.Session, userId, sessionId);

    public static readonly ClusterInvalidation ForEverything = new(InvalidationScope.Everything, "");
}

/// <summary>A cache of per-user or per-key state on this node; the bus calls it for every message, local or remote.</summary>
public interface IClusterInvalidationHandler
{
    void Invalidate(ClusterInvalidation message);
}

/// <summary>
/// Invalidation messages between the portal nodes. <see cref="PublishAsync"/> runs this node's handlers before it
/// returns, then tells the other nodes (Redis pub/sub); without Redis there are no other nodes.
/// </summary>
public interface IClusterBus
{
    Task PublishAsync(ClusterInvalidation message, CancellationToken cancellationToken = default);
}
