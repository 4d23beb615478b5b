using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PromptLeo.Web.Features.Cluster;

/// <summary>
/// Part of <c>/health/ready</c> when Redis is configured: a node that cannot reach Redis would miss invalidations and
/// count its own rate limits, so the load balancer should send its traffic elsewhere until it is back.
/// </summary>
public sealed class RedisHealthCheck(ClusterRedis redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.Connection!.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:0} ms");
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis is unreachable", ex);
        }
    }
}
