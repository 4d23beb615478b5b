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
        services.AddOptions<ClusterOptions>().BindConfiguration(ClusterOptions.SectionName);
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.SectionName);

        // Checked while services are registered, so nothing (migrations included) runs on a misconfigured node.
        var cluster = builder.Configuration.GetSection(ClusterOptions.SectionName).Get<ClusterOptions>() ?? new ClusterOptions();
        var redis = builder.Configuration.GetSection(RedisOptions.SectionName).Get<RedisOptions>() ?? new RedisOptions();
        EnsureRedisForSeveralNodes(cluster, redis);

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
