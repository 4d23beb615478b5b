using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Cluster;
using RedisRateLimiting;
using StackExchange.Redis;

namespace PromptLeo.Web.Features.Api;

/// <summary>
/// Per-key and per-account request limits for /v1: two fixed-window limiters from System.Threading.RateLimiting
/// (the engine behind ASP.NET Core's rate limiting middleware), chained so a request needs a permit from both.
/// With Redis the windows are RedisRateLimiting's, counted in Redis, so all nodes share one limit; without it they
/// live in this process. It runs as an endpoint filter after authentication, because the partitions are the key and the account.
/// </summary>
public sealed class ApiRateLimiter : IAsyncDisposable
{
    private readonly PartitionedRateLimiter<ApiCallerContext> limiter;

    public ApiRateLimiter(IOptions<ApiOptions> options, ClusterRedis redis)
    {
        var o = options.Value;
        limiter = redis.Connection is { } connection
            ? PartitionedRateLimiter.CreateChained(
                Shared(redis.Name("api:key:"), c => c.KeyId.ToString("N"), o.RequestsPerMinutePerKey, connection),
                Shared(redis.Name("api:user:"), c => c.UserId, o.RequestsPerMinutePerUser, connection))
            : PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<ApiCallerContext, Guid>(c => RateLimitPartition.GetFixedWindowLimiter(c.KeyId, _ => Window(o.RequestsPerMinutePerKey))),
                PartitionedRateLimiter.Create<ApiCallerContext, string>(c => RateLimitPartition.GetFixedWindowLimiter(c.UserId, _ => Window(o.RequestsPerMinutePerUser))));
    }

    /// <summary>Null when allowed; otherwise how long to wait.</summary>
    public async ValueTask<TimeSpan?> TryAcquireAsync(ApiCallerContext caller, CancellationToken cancellationToken)
    {
        // Asynchronous: the Redis limiter answers only AcquireAsync; the local one with QueueLimit 0 answers at once.
        using var lease = await limiter.AcquireAsync(caller, 1, cancellationToken);
        if (lease.IsAcquired)
        {
            return null;
        }
        if (lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            return retryAfter;
        }
        return lease.TryGetMetadata(RateLimitMetadataName.RetryAfter, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(60);
    }

    public ValueTask DisposeAsync() => limiter.DisposeAsync();

    // Partition keys are ids only (key id, user id): no personal data reaches Redis.
    private static PartitionedRateLimiter<ApiCallerContext> Shared(string prefix, Func<ApiCallerContext, string> id, int permits, IConnectionMultiplexer connection) =>
        PartitionedRateLimiter.Create<ApiCallerContext, string>(c => RedisRateLimitPartition.GetFixedWindowRateLimiter(prefix + id(c), _ => new RedisFixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            ConnectionMultiplexerFactory = () => connection,
        }));

    private static FixedWindowRateLimiterOptions Window(int permits) => new()
    {
        PermitLimit = permits,
        Window = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
