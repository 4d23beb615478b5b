using PromptLeo.Web.Features.Accounts;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using System.Collections.Concurrent;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Cluster;
using PromptLeo.Web.Features.Hosting;

namespace PromptLeo.Web.Features.Sessions;

/// <summary>
/// The signed-in browsers of each account. A session is active while its row exists and was used within
/// <see cref="SessionsOptions.IdleLifetime"/>; deleting the row signs the browser out. Positive checks are cached per
/// node; invalidation messages (<see cref="IClusterBus"/>) drop them on every node when a session or a user's sessions end.
/// </summary>
public sealed class SessionStore(
    IDbContextFactory<AppDbContext> dbFactory,
    IMemoryCache cache,
    IOptions<SessionsOptions> options,
    IOptions<HostingOptions> hosting,
    TimeProvider time,
    IClusterBus cluster,
    ILogger<SessionStore> logger) : IClusterInvalidationHandler
{
    /// <summary>The claim (and authentication property) that carries the session id in the auth cookie.</summary>
    public const string ClaimType = "pl:sid";

    // Last-seen is shown to the minute; writing it less often keeps most checks a read.
    private static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);

    // Drops are numbered; a cached check taken before a drop of its user or session (or of everything) no longer counts,
    // even when its database read raced the drop. Entries older than any cached check are pruned.
    private long sequence;
    private long droppedEverything;
    private readonly ConcurrentDictionary<string, (long Sequence, DateTimeOffset At)> dropped = new(StringComparer.Ordinal);

    private sealed record CachedCheck(string UserId, long CheckedAt);

    public static Guid? IdOf(ClaimsPrincipal? principal) =>
        Guid.TryParse(principal?.FindFirstValue(ClaimType), out var id) ? id : null;

    /// <summary>Starts a session for a sign-in from <paramref name="http"/>; also drops the user's idle ones.</summary>
    public async Task<Guid> CreateAsync(string userId, HttpContext http, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var idleBefore = now - options.Value.IdleLifetime;
        await db.UserSessions.Where(s => s.UserId == userId && s.LastSeenAt < idleBefore).ExecuteDeleteAsync(cancellationToken);
        var session = new UserSession
        {
            UserId = userId,
            CreatedAt = now,
            LastSeenAt = now,
            Device = ClientDescription.Device(http.Request.Headers.UserAgent),
            Network = ClientDescription.Network(http.Connection.RemoteIpAddress),
            Region = hosting.Value.Region,
        };
        db.UserSessions.Add(session);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Session {SessionId} started for {UserId}", session.Id, userId);
        return session.Id;
    }

    /// <summary>
    /// True when the session exists for this user and is not idle. A positive answer is cached for the validation
    /// interval unless <paramref name="fresh"/>; a check that reaches the database also updates last-seen.
    /// </summary>
    public async Task<bool> IsActiveAsync(string userId, Guid sessionId, HttpContext? http, bool fresh = false, CancellationToken cancellationToken = default)
    {
        var cacheKey = CacheKey(sessionId);
        if (!fresh && cache.TryGetValue(cacheKey, out CachedCheck? cached) && cached!.UserId == userId && StillValid(cached, sessionId))
        {
            return true;
        }
        var checkedAt = Interlocked.Read(ref sequence);
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var lastSeen = await db.UserSessions.AsNoTracking()
            .Where(s => s.Id == sessionId && s.UserId == userId)
            .Select(s => (DateTimeOffset?)s.LastSeenAt)
            .FirstOrDefaultAsync(cancellationToken);
        if (lastSeen is not { } seen || now - seen > options.Value.IdleLifetime)
        {
            cache.Remove(cacheKey);
            return false;
        }
        if (now - seen >= TouchEvery)
        {
            var region = hosting.Value.Region;
            var network = http is null ? null : ClientDescription.Network(http.Connection.RemoteIpAddress);
            await db.UserSessions.Where(s => s.Id == sessionId).ExecuteUpdateAsync(u => u
                .SetProperty(s => s.LastSeenAt, now)
                .SetProperty(s => s.Region, region)
                .SetProperty(s => s.Network, s => network ?? s.Network), cancellationToken);
        }
        var interval = options.Value.ValidationInterval;
        if (interval > TimeSpan.Zero)
        {
            cache.Set(cacheKey, new CachedCheck(userId, checkedAt), interval);
        }
        return true;
    }

    /// <summary>The user's sessions, most recently used first; <paramref name="current"/> is marked.</summary>
    public async Task<IReadOnlyList<SessionView>> ListAsync(string userId, Guid? current, CancellationToken cancellationToken = default)
    {
        var idleBefore = time.GetUtcNow() - options.Value.IdleLifetime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.UserSessions.AsNoTracking()
            .Where(s => s.UserId == userId && s.LastSeenAt >= idleBefore)
            .OrderByDescending(s => s.LastSeenAt)
            .ToListAsync(cancellationToken);
        return rows.Select(s => new SessionView(s.Id, s.CreatedAt, s.LastSeenAt, s.Device, s.Network, s.Region, s.Id == current)).ToList();
    }

    /// <summary>Ends one of the user's sessions; false when it is not theirs or already gone.</summary>
    public async Task<bool> RevokeAsync(string userId, Guid sessionId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var removed = await db.UserSessions.Where(s => s.Id == sessionId && s.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await cluster.PublishAsync(ClusterInvalidation.ForSession(userId, sessionId), cancellationToken);
        return removed > 0;
    }

    /// <summary>Ends every session of the user except <paramref name="except"/>; returns how many ended.</summary>
    public async Task<int> RevokeAllAsync(string userId, Guid? except = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ids = await db.UserSessions.Where(s => s.UserId == userId && s.Id != except).Select(s => s.Id).ToListAsync(cancellationToken);
        await db.UserSessions.Where(s => s.UserId == userId && s.Id != except).ExecuteDeleteAsync(cancellationToken);
        if (except is null)
        {
            // Signed out everywhere (or disabled): on every node the session checks, data key and kept KV caches go.
            await cluster.PublishAsync(ClusterInvalidation.ForUser(userId), cancellationToken);
        }
        else
        {
            foreach (var id in ids)
            {
                await cluster.PublishAsync(ClusterInvalidation.ForSession(userId, id), cancellationToken);
            }
        }
        return ids.Count;
    }

    /// <summary>Deletes sessions idle longer than the lifetime, for every user (their device and network go with them).</summary>
    public async Task<int> PurgeIdleAsync(CancellationToken cancellationToken = default)
    {
        var idleBefore = time.GetUtcNow() - options.Value.IdleLifetime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.UserSessions.Where(s => s.LastSeenAt < idleBefore).ExecuteDeleteAsync(cancellationToken);
    }

    void IClusterInvalidationHandler.Invalidate(ClusterInvalidation message)
    {
        switch (message.Scope)
        {
            case InvalidationScope.User:
                Drop($"u:{message.UserId}");
                break;
            case InvalidationScope.Session when message.Id is { } sessionId:
                Drop($"s:{sessionId:N}");
                cache.Remove(CacheKey(sessionId));
                break;
            case InvalidationScope.Everything:
                Interlocked.Exchange(ref droppedEverything, Interlocked.Increment(ref sequence));
                break;
        }
    }

    private void Drop(string key)
    {
        var now = time.GetUtcNow();
        dropped[key] = (Interlocked.Increment(ref sequence), now);
        // A cached check lives one validation interval; the margin covers a slow database read before it was cached.
        var keepFor = options.Value.ValidationInterval * 2 + TimeSpan.FromMinutes(1);
        foreach (var (old, entry) in dropped)
        {
            if (now - entry.At > keepFor)
            {
                dropped.TryRemove(old, out _);
            }
        }
    }

    private bool StillValid(CachedCheck check, Guid sessionId) =>
        check.CheckedAt >= Interlocked.Read(ref droppedEverything)
        && (!dropped.TryGetValue($"u:{check.UserId}", out var user) || check.CheckedAt >= user.Sequence)
        && (!dropped.TryGetValue($"s:{sessionId:N}", out var session) || check.CheckedAt >= session.Sequence);

    private static (string, Guid) CacheKey(Guid sessionId) => ("pl:session", sessionId);
}
