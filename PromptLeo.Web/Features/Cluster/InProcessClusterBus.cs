namespace PromptLeo.Web.Features.Cluster;

/// <summary>One node, no Redis: the handlers of this process are all there is.</summary>
public sealed class InProcessClusterBus(IServiceProvider services, ILogger<InProcessClusterBus> logger) : IClusterBus
{
    public Task PublishAsync(ClusterInvalidation message, CancellationToken cancellationToken = default)
    {
        ClusterHandlers.Run(services, message, logger);
        return Task.CompletedTask;
    }
}

internal static class ClusterHandlers
{
    /// <summary>Every handler runs even when one fails: one broken cache must not keep the others from dropping.</summary>
    public static void Run(IServiceProvider services, ClusterInvalidation message, ILogger logger)
    {
        // Resolved per message: the handlers (cipher, session store) themselves depend on the bus.
        foreach (var handler in services.GetServices<IClusterInvalidationHandler>())
        {
            try
            {
                handler.Invalidate(message);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Invalidation {Scope} failed in {Handler}", message.Scope, handler.GetType().Name);
            }
        }
    }
}
