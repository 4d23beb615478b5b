using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Cluster;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Cluster;

/// <summary>Database leases: one holder at a time across nodes, renewed while held, taken over once expired.</summary>
[Collection(PortalNodesCollection.Name)]
public sealed class ClusterLeaseTests(PortalNodes nodes) : ClusterLeaseTestsBase(nodes);

/// <summary>The same on PostgreSQL: leases between two nodes on one PostgreSQL database.</summary>
[Collection(PostgresPortalNodesCollection.Name)]
public sealed class ClusterLeasePostgresTests(PostgresPortalNodes nodes) : ClusterLeaseTestsBase(nodes);

public abstract class ClusterLeaseTestsBase(PortalNodes nodes)
{
    private static ClusterLeases Leases(PortalNode node) => node.Services.GetRequiredService<ClusterLeases>();

    private static string UniqueName() => $"test:{Guid.NewGuid():N}";

    [Fact]
    public async Task TryAcquire_HeldByTheOtherNode_RefusedUntilReleased()
    {
        var name = UniqueName();
        var held = await Leases(nodes.A).TryAcquireAsync(name, TimeSpan.FromMinutes(1));
        Assert.NotNull(held);
        Assert.StartsWith("node-a/", held.Holder);

        Assert.Null(await Leases(nodes.B).TryAcquireAsync(name, TimeSpan.FromMinutes(1)));
        await held.DisposeAsync();

        await using var taken = await Leases(nodes.B).TryAcquireAsync(name, TimeSpan.FromMinutes(1));
        Assert.NotNull(taken);
        Assert.StartsWith("node-b/", taken.Holder);
    }

    [Fact]
    public async Task TryAcquire_ExpiredLeaseOfADeadNode_IsTakenOver()
    {
        var name = UniqueName();
        await using (var db = await nodes.A.DbAsync())
        {
            // Node A died holding the lease: nobody renewed it, and it ran out a second ago.
            db.ClusterLeases.Add(new ClusterLease { Name = name, Holder = "node-a/dead", AcquiredAt = DateTimeOffset.UtcNow.AddMinutes(-3), ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1) });
            await db.SaveChangesAsync();
        }

        await using var taken = await Leases(nodes.B).TryAcquireAsync(name, TimeSpan.FromMinutes(1));

        Assert.NotNull(taken);
        await using var check = await nodes.A.DbAsync();
        var row = await check.ClusterLeases.AsNoTracking().SingleAsync(l => l.Name == name);
        Assert.Equal(taken.Holder, row.Holder);
        Assert.True(row.ExpiresAt > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task HeldLease_LongerThanItsDuration_IsRenewedWhileHeld()
    {
        var name = UniqueName();
        await using (var held = await Leases(nodes.A).TryAcquireAsync(name, TimeSpan.FromMilliseconds(900)))
        {
            Assert.NotNull(held);
            // Three durations later the holder still has it: its renewals kept it from expiring.
            await Task.Delay(2700);
            Assert.Null(await Leases(nodes.B).TryAcquireAsync(name, TimeSpan.FromMinutes(1)));
            Assert.False(held.Lost.IsCancellationRequested);
        }
        await using var after = await Leases(nodes.B).TryAcquireAsync(name, TimeSpan.FromMinutes(1));
        Assert.NotNull(after);
    }

    [Fact]
    public async Task RunOncePerInterval_BothNodesTickAtOnce_TheJobRunsOnceAndIsSkippedForTheInterval()
    {
        var name = UniqueName();
        var runs = 0;
        Task Work(CancellationToken token)
        {
            Interlocked.Increment(ref runs);
            return Task.Delay(200, token);
        }

        var ran = await Task.WhenAll(nodes.Both.Select(node => Leases(node).RunOncePerIntervalAsync(name, TimeSpan.FromHours(1), Work)));

        Assert.Equal(1, runs);
        Assert.Single(ran, r => r);
        // The next tick of either node within the interval skips it too.
        Assert.False(await Leases(nodes.A).RunOncePerIntervalAsync(name, TimeSpan.FromHours(1), Work));
        Assert.False(await Leases(nodes.B).RunOncePerIntervalAsync(name, TimeSpan.FromHours(1), Work));
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task ScheduledJobs_AfterBothNodesStarted_EachHeldByOneNodeForItsInterval()
    {
        // Both nodes ran their jobs' first tick at start; the invoice, purge and session jobs stay with the node that ran them.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string[] names = [MonthlyInvoiceJob.LeaseName, RetentionPurgeService.LeaseName, PromptLeo.Web.Features.Sessions.SessionPurgeService.LeaseName];
        List<ClusterLease> leases;
        do
        {
            await using var db = await nodes.A.DbAsync();
            leases = await db.ClusterLeases.AsNoTracking().Where(l => names.Contains(l.Name)).ToListAsync();
            if (leases.Count == names.Length)
            {
                break;
            }
            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal(names.Length, leases.Count);
        Assert.All(leases, l => Assert.True(l.Holder.StartsWith("node-a/", StringComparison.Ordinal) || l.Holder.StartsWith("node-b/", StringComparison.Ordinal), l.Holder));
        Assert.All(leases, l => Assert.True(l.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(30), $"{l.Name} until {l.ExpiresAt:O}"));
        foreach (var node in nodes.Both)
        {
            Assert.False(await Leases(node).RunOncePerIntervalAsync(MonthlyInvoiceJob.LeaseName, TimeSpan.FromHours(12), _ => throw new InvalidOperationException("ran twice")));
        }
    }
}
