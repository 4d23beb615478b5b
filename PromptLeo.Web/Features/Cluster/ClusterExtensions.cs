using Microsoft.Extensions.DependencyInjection.Extensions;

namespace PromptLeo.Web.Features.Cluster;

public static class ClusterExtensions
{
    /// <summary>
    /// Node identity, the optional Redis connection, the invalidation bus (Redis pub/sub, or in-process for one node) and
    /// the database leases that make scheduled jobs and single-flight work run once per cluster.
    /// Several expected nodes without Redis refuse to start: their rate limits, caches and key rings would drift apart.
    /// </summary>
    public static IHostApplicationBuilder AddPromptLeoCluster(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ClusterOptions>().BindConfiguration(ClusterOptions.SectionName)
            .PostConfigure<IConfiguration>((options, configuration) => options.NodeName = NodeName(configuration));
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.SectionName);

        // Checked while services are registered, so nothing (migrations included) runs on a misconfigured node.
        var cluster = builder.Configuration.GetSection(ClusterOptions.SectionName).Get<ClusterOptions>() ?? new ClusterOptions();
        var redis = builder.Configuration.GetSection(RedisOptions.SectionName).Get<RedisOptions>() ?? new RedisOptions();
        EnsureRedisForSeveralNodes(cluster, redis);
        // Refuses two different names for this node before anything (migrations included) runs.
        NodeName(builder.Configuration);
        services.AddHostedService<LegacyNodeSettingWarning>();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ClusterLeases>();
        services.TryAddSingleton<ClusterRedis>();
        if (redis.IsConfigured)
        {
            services.TryAddSingleton<RedisClusterBus>();
            services.TryAddSingleton<IClusterBus>(sp => sp.GetRequiredService<RedisClusterBus>());
            services.AddHostedService(sp => sp.GetRequiredService<RedisClusterBus>());
            services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        }
        else
        {
            services.TryAddSingleton<IClusterBus, InProcessClusterBus>();
        }
        return builder;
    }

    /// <summary>The old name of <c>Cluster:NodeName</c>, read when the new one is not set.</summary>
    public const string LegacyNodeKey = "Hosting:Node";

    /// <summary>
    /// This node's one name, read by processing records, the interrupted-request sweep, leases, reservations, metrics and
    /// telemetry: <c>Cluster:NodeName</c>, else the old <c>Hosting:Node</c>, else the machine name.
    /// </summary>
    /// <exception cref="InvalidOperationException">Both settings are set and differ.</exception>
    public static string NodeName(IConfiguration configuration)
    {
        var current = configuration[ClusterOptions.SectionName + ":" + nameof(ClusterOptions.NodeName)];
        var legacy = LegacyNodeName(configuration);
        if (!string.IsNullOrWhiteSpace(current) && legacy is not null && !string.Equals(current.Trim(), legacy, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"Cluster:NodeName is '{current.Trim()}' but the old setting Hosting:Node is '{legacy}'. They name the same thing; remove Hosting:Node (see docs/operations.md, \"Several nodes\").");
        }
        return !string.IsNullOrWhiteSpace(current) ? current.Trim() : legacy ?? Environment.MachineName;
    }

    internal static string? LegacyNodeName(IConfiguration configuration) =>
        configuration[LegacyNodeKey] is { } legacy && !string.IsNullOrWhiteSpace(legacy) ? legacy.Trim() : null;

    /// <exception cref="InvalidOperationException">More than one node is expected and no Redis is configured.</exception>
    public static void EnsureRedisForSeveralNodes(ClusterOptions cluster, RedisOptions redis)
    {
        if (cluster.ExpectedNodes < 1)
        {
            throw new InvalidOperationException($"Cluster:ExpectedNodes must be 1 or more (it is {cluster.ExpectedNodes}).");
        }
        if (cluster.ExpectedNodes > 1 && !redis.IsConfigured)
        {
            throw new InvalidOperationException(
                $"Cluster:ExpectedNodes is {cluster.ExpectedNodes} but Redis:Configuration is empty. Several portal nodes need Redis " +
                "for shared rate limits, invalidation messages (erasure, restriction, revoked keys) and the shared Data Protection key ring. " +
                "Set Redis:Configuration, or Cluster:ExpectedNodes to 1 for a single node (see docs/operations.md, \"Several nodes\").");
        }
    }
}

/// <summary>Says once at start that the node's name comes from the old setting.</summary>
internal sealed class LegacyNodeSettingWarning(IConfiguration configuration, ILogger<LegacyNodeSettingWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(configuration[ClusterExtensions.LegacyNodeKey]))
        {
            return Task.CompletedTask;
        }
        logger.LogWarning("Hosting:Node is the old name of Cluster:NodeName; this node is named {NodeName}. Rename the setting to Cluster:NodeName.",
            ClusterExtensions.NodeName(configuration));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
