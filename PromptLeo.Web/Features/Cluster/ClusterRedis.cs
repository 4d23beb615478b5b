using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace PromptLeo.Web.Features.Cluster;

/// <summary>
/// The one Redis connection of this node, opened on first use (StackExchange.Redis multiplexes and reconnects on its
/// own); <see cref="Connection"/> is null when <c>Redis:Configuration</c> is empty.
/// </summary>
public sealed class ClusterRedis(IOptions<RedisOptions> options, ILogger<ClusterRedis> logger) : IDisposable
{
    private readonly Lazy<IConnectionMultiplexer?> connection = new(() => Connect(options.Value, logger));

    public bool IsConfigured => options.Value.IsConfigured;

    public IConnectionMultiplexer? Connection => connection.Value;

    /// <summary>A key or channel name below the installation's prefix, e.g. <c>promptleo:dataprotection</c>.</summary>
    public string Name(string suffix) => $"{options.Value.KeyPrefix}:{suffix}";

    private static IConnectionMultiplexer? Connect(RedisOptions options, ILogger logger)
    {
        if (!options.IsConfigured)
        {
            return null;
        }
        var configuration = ConfigurationOptions.Parse(options.Configuration);
        // A node that cannot reach Redis at start stops with the reason instead of serving without shared state.
        configuration.AbortOnConnectFail = true;
        var multiplexer = ConnectionMultiplexer.Connect(configuration);
        logger.LogInformation("Connected to Redis at {Endpoints}", string.Join(", ", configuration.EndPoints));
        return multiplexer;
    }

    public void Dispose()
    {
        if (connection.IsValueCreated)
        {
            connection.Value?.Dispose();
        }
    }
}
