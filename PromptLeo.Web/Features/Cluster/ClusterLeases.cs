using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Cluster;

/// <summary>
/// Database leases for work that must run on one portal node at a time (scheduled jobs, a running export or erasure).
/// A lease is taken by one conditional statement, renewed while the work runs, and deleted at the end; a node that dies
/// stops renewing, its lease expires, and the next node that asks takes it over. Provider-neutral: LINQ and
/// <c>ExecuteUpdate</c> only, so it works the same on SQLite and PostgreSQL.
/// </summary>
public sealed class ClusterLeases(IDbContextFactory<AppDbContext> dbFactory, IOptions<ClusterOptions> options, TimeProvider time, ILogger<ClusterLeases> logger)
{
    /// <summary>How long a lease lives without renewal: a dead node's work is taken over after at most this long.</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromMinutes(2);

    public string NodeName => options.Value.NodeName;

    /// <summary>Takes the lease when nobody holds it or its holder let it expire; null while another holder's lease is live.</summary>
    /// <remarks>The returned lease renews itself every third of <paramref name="duration"/> until disposed, which releases it.</remarks>
    public async Task<HeldLease?> TryAcquireAsync(string name, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var holder = $"{NodeName}/{Guid.NewGuid():N}";
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var expires = now + duration;
        // One conditional statement: only an expired lease changes hands, so two nodes cannot both take it over.
        var taken = await db.ClusterLeases.Where(l => l.Name == name && l.ExpiresAt <= now)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, holder).SetProperty(l => l.AcquiredAt, now).SetProperty(l => l.ExpiresAt, expires), cancellationToken);
        if (taken == 0)
        {
            if (await db.ClusterLeases.AnyAsync(l => l.Name == name, cancellationToken))
            {
                return null;
            }
            db.ClusterLeases.Add(new ClusterLease { Name = name, Holder = holder, AcquiredAt = now, ExpiresAt = expires });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another node inserted the lease first (the name is the key).
                return null;
            }
        }
        return new HeldLease(this, name, holder, duration, time, logger);
    }

    /// <summary>Waits up to <paramref name="wait"/> for the lease (a short critical section another node may hold).</summary>
    /// <exception cref="TimeoutException">The lease stayed with another holder.</exception>
    public async Task<HeldLease> AcquireAsync(string name, TimeSpan duration, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            if (await TryAcquireAsync(name, duration, cancellationToken) is { } lease)
            {
                return lease;
            }
            if (time.GetUtcNow() >= deadline)
            {
                throw new TimeoutException($"The lease {name} stayed with another node for {wait.TotalSeconds} s.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> while holding the lease; false, without running it, when another node holds it.
    /// The work's token is cancelled when the lease is lost (a renewal found another holder).
    /// </summary>
    public async Task<bool> RunExclusiveAsync(string name, TimeSpan duration, Func<CancellationToken, Task> work, CancellationToken cancellationToken = default)
    {
        await using var lease = await TryAcquireAsync(name, duration, cancellationToken);
        if (lease is null)
        {
            return false;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost);
        await work(linked.Token);
        return true;
    }

    /// <summary>
    /// A periodic job that runs on one node per <paramref name="interval"/>: the node that takes the lease runs the work,
    /// then keeps the lease (idle) until shortly before the interval ends, so the other nodes' ticks skip the job. A run
    /// that fails releases the lease at once, so the next tick of any node tries again. False when the job was skipped.
    /// </summary>
    public async Task<bool> RunOncePerIntervalAsync(string name, TimeSpan interval, Func<CancellationToken, Task> work, CancellationToken cancellationToken = default)
    {
        var started = time.GetUtcNow();
        await using var lease = await TryAcquireAsync(name, DefaultDuration, cancellationToken);
        if (lease is null)
        {
            return false;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost);
        await work(linked.Token);
        // A tenth of the interval spare: the runner's own next tick must find the lease free again.
        await lease.KeepUntilAsync(started + interval * 0.9);
        return true;
    }

    internal async Task<bool> RenewAsync(string name, string holder, DateTimeOffset expires)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await db.ClusterLeases.Where(l => l.Name == name && l.Holder == holder)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAt, expires)) == 1;
    }

    internal async Task ReleaseAsync(string name, string holder)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        await db.ClusterLeases.Where(l => l.Name == name && l.Holder == holder).ExecuteDeleteAsync();
    }
}

/// <summary>A lease this node holds: renewed in the background until disposed, then released.</summary>
public sealed class HeldLease : IAsyncDisposable
{
    private readonly ClusterLeases leases;
    private readonly TimeSpan duration;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly CancellationTokenSource lost = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task renewing;
    private bool disposed;

    internal HeldLease(ClusterLeases leases, string name, string holder, TimeSpan duration, TimeProvider time, ILogger logger)
    {
        this.leases = leases;
        Name = name;
        Holder = holder;
        this.duration = duration;
        this.time = time;
        this.logger = logger;
        renewing = Task.Run(RenewLoopAsync);
    }

    public string Name { get; }

    public string Holder { get; }

    /// <summary>Cancelled when a renewal finds that the lease has passed to another holder.</summary>
    public CancellationToken Lost => lost.Token;

    private async Task RenewLoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(duration / 3, time, stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                if (!await leases.RenewAsync(Name, Holder, time.GetUtcNow() + duration))
                {
                    logger.LogWarning("Lease {Lease} was lost to another node; its work stops here", Name);
                    await lost.CancelAsync();
                    return;
                }
            }
            catch (Exception ex)
            {
                // A failed renewal is retried at the next tick; the lease still has two thirds of its time.
                logger.LogWarning(ex, "Lease {Lease} could not be renewed; retrying", Name);
            }
        }
    }

    /// <summary>Stops renewing and leaves the lease held (idle) until <paramref name="until"/>; disposing then does not release it.</summary>
    public async Task KeepUntilAsync(DateTimeOffset until)
    {
        await StopRenewingAsync();
        if (until > time.GetUtcNow() && await leases.RenewAsync(Name, Holder, until))
        {
            disposed = true;
        }
    }

    private async Task StopRenewingAsync()
    {
        await stop.CancelAsync();
        await renewing;
    }

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        await StopRenewingAsync();
        try
        {
            await leases.ReleaseAsync(Name, Holder);
        }
        catch (Exception ex)
        {
            // Not released: it expires after its duration and is taken over then.
            logger.LogWarning(ex, "Lease {Lease} could not be released; it expires on its own", Name);
        }
        stop.Dispose();
        lost.Dispose();
    }
}
