using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace PromptLeo.Web.Features.Cluster;

/// <summary>
/// Invalidation messages over Redis pub/sub: this node's handlers run at once, the others' when the message arrives
/// (milliseconds). A node that lost its Redis connection may have missed messages, so on reconnect it drops
/// everything it caches of users instead of trusting it.
/// </summary>
public sealed class RedisClusterBus(
    ClusterRedis redis,
    IServiceProvider services,
    IOptions<ClusterOptions> cluster,
    ILogger<RedisClusterBus> logger) : IClusterBus, IHostedService
{
    // Tells this process's own messages apart when they come back from Redis (two nodes may share a machine name).
    private readonly string instance = $"{cluster.Value.NodeName}/{Guid.NewGuid():N}";

    private RedisChannel Channel => RedisChannel.Literal(redis.Name("invalidations"));

    private IConnectionMultiplexer Connection => redis.Connection ?? throw new InvalidOperationException("Redis:Configuration is empty.");

    public async Task PublishAsync(ClusterInvalidation message, CancellationToken cancellationToken = default)
    {
        ClusterHandlers.Run(services, message, logger);
        var payload = JsonSerializer.Serialize(new Envelope(instance, message.Scope, message.UserId, message.Id));
        var receivers = await Connection.GetSubscriber().PublishAsync(Channel, payload);
        if (receivers < cluster.Value.ExpectedNodes)
        {
            logger.LogWarning("Invalidation {Scope} reached {Receivers} of {ExpectedNodes} expected nodes", message.Scope, receivers, cluster.Value.ExpectedNodes);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var connection = Connection;
        await connection.GetSubscriber().SubscribeAsync(Channel, (_, value) => Receive(value));
        connection.ConnectionFailed += (_, e) => logger.LogWarning("Redis connection lost ({FailureType}); caches are dropped when it is back", e.FailureType);
        connection.ConnectionRestored += (_, _) =>
        {
            logger.LogWarning("Redis connection restored: dropping every cached user state, invalidations may have been missed");
            ClusterHandlers.Run(services, ClusterInvalidation.ForEverything, logger);
        };
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        redis.Connection is { } connection ? connection.GetSubscriber().UnsubscribeAsync(Channel) : Task.CompletedTask;

    private void Receive(RedisValue value)
    {
        Envelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<Envelope>(value.ToString());
        }
        catch (JsonException ex)
        {
            logger.LogWarning(ex, "Ignored a malformed invalidation message");
            return;
        }
        if (envelope is null || envelope.Sender == instance)
        {
            return;
        }
        ClusterHandlers.Run(services, new ClusterInvalidation(envelope.Scope, envelope.UserId, envelope.Id), logger);
    }

    private sealed record Envelope(string Sender, InvalidationScope Scope, string UserId, Guid? Id);
}
