using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace PromptLeo.Web.Features.Api;

/// <summary>
/// Per-key and per-account request limits for /v1: two fixed-window limiters from System.Threading.RateLimiting
/// (the engine behind ASP.NET Core's rate limiting middleware), chained so a request needs a permit from both.
/// It runs as an endpoint filter after authentication, because the partitions are the key and the account.
/// </summary>
public sealed class ApiRateLimiter : IAsyncDisposable
{
    private readonly PartitionedRateLimiter<ApiCallerContext> limiter;

    public ApiRateLimiter(IOptions<ApiOptions> options)
    {
        var o = options.Value;
        var perKey = PartitionedRateLimiter.Create<ApiCallerContext, Guid>(c => RateLimitPartition.GetFixedWindowLimiter(c.KeyId, _ => Window(o.RequestsPerMinutePerKey)));
        var perUser = PartitionedRateLimiter.Create<ApiCallerContext, string>(c => RateLimitPartition.GetFixedWindowLimiter(c.UserId, _ => Window(o.RequestsPerMinutePerUser)));
        limiter = PartitionedRateLimiter.CreateChained(perKey, perUser);
    }

    /// <summary>Null when allowed; otherwise how long to wait.</summary>
    public TimeSpan? TryAcquire(ApiCallerContext caller)
    {
        using var lease = limiter.AttemptAcquire(caller);
        if (lease.IsAcquired)
        {
            return null;
        }
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(60);
    }

    public ValueTask DisposeAsync() => limiter.DisposeAsync();

    private static FixedWindowRateLimiterOptions Window(int permits) => new()
    {
        PermitLimit = permits,
        Window = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
