using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Privacy;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Cluster;

/// <summary>One export or erasure at a time per account, across nodes: starts under the account's row lock, runs under a lease.</summary>
[Collection(PortalNodesCollection.Name)]
public sealed class ClusterSingleFlightTests(PortalNodes nodes) : ClusterSingleFlightTestsBase(nodes);

/// <summary>The same on PostgreSQL: single-flight exports and erasures between two nodes on one PostgreSQL database.</summary>
[Collection(PostgresPortalNodesCollection.Name)]
public sealed class ClusterSingleFlightPostgresTests(PostgresPortalNodes nodes) : ClusterSingleFlightTestsBase(nodes);

public abstract class ClusterSingleFlightTestsBase(PortalNodes nodes)
{
    private static ExportWorker Worker(PortalNode node) => node.Services.GetServices<IHostedService>().OfType<ExportWorker>().Single();

    private async Task<int> ExportsCompletedAsync(Guid exportId)
    {
        await using var db = await nodes.A.DbAsync();
        var detail = $"export {exportId},";
        return await db.AuditEntries.CountAsync(a => a.Action == AuditActions.ExportCompleted && a.Details.StartsWith(detail));
    }

    private async Task<DataExport> WaitForExportAsync(Guid exportId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using var db = await nodes.B.DbAsync();
            var export = await db.DataExports.AsNoTracking().SingleAsync(e => e.Id == exportId);
            if (export.Status is ExportStatus.Completed or ExportStatus.Failed || DateTime.UtcNow > deadline)
            {
                return export;
            }
            await Task.Delay(100);
        }
    }

    /// <summary>An export row as a request writes it, but in no node's queue: the test decides who runs it.</summary>
    private async Task<Guid> UnqueuedExportAsync(string userId, ExportStatus status)
    {
        await using var db = await nodes.A.DbAsync();
        var export = new DataExport { UserId = userId, Status = status, CreatedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddHours(24) };
        db.DataExports.Add(export);
        await db.SaveChangesAsync();
        return export.Id;
    }

    [Fact]
    public async Task ExportRequests_OnBothNodesAtOnce_NeverTwoExportsAtATimeAndEachRunsOnce()
    {
        var user = await PrivacySeed.CreateAsync(nodes.A);

        var requested = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            nodes.Both[i % 2].Services.GetRequiredService<DataExportService>().RequestAsync(user.Id)));

        // A request that finds an export queued or running gets that one; a new one starts only after the last finished.
        var exports = new List<DataExport>();
        foreach (var exportId in requested.Select(e => e.Id).Distinct())
        {
            exports.Add(await WaitForExportAsync(exportId));
            Assert.Equal(1, await ExportsCompletedAsync(exportId));
        }
        var ordered = exports.OrderBy(e => e.CreatedAt).ToList();
        Assert.All(ordered, e => Assert.Equal(ExportStatus.Completed, e.Status));
        for (var i = 1; i < ordered.Count; i++)
        {
            Assert.True(ordered[i].CreatedAt >= ordered[i - 1].CompletedAt, $"export {i} started at {ordered[i].CreatedAt:O}, before export {i - 1} finished at {ordered[i - 1].CompletedAt:O}");
        }
        await using var db = await nodes.A.DbAsync();
        Assert.Equal(exports.Count, await db.DataExports.CountAsync(e => e.UserId == user.Id));
    }

    [Fact]
    public async Task ExportWorkers_OfBothNodesRunTheSameExport_ExactlyOneRunsIt()
    {
        var user = await PrivacySeed.CreateAsync(nodes.A);
        var exportId = await UnqueuedExportAsync(user.Id, ExportStatus.Queued);

        var ran = await Task.WhenAll(nodes.Both.Select(node => Worker(node).RunAsync(exportId, CancellationToken.None)));

        Assert.Single(ran, r => r);
        Assert.Equal(ExportStatus.Completed, (await WaitForExportAsync(exportId)).Status);
        Assert.Equal(1, await ExportsCompletedAsync(exportId));
    }

    [Fact]
    public async Task Export_WhoseNodeDiedMidRun_IsTakenOverOnceItsLeaseExpired()
    {
        var user = await PrivacySeed.CreateAsync(nodes.A);
        var exportId = await UnqueuedExportAsync(user.Id, ExportStatus.Running);
        await using (var db = await nodes.A.DbAsync())
        {
            db.ClusterLeases.Add(new ClusterLease { Name = ExportWorker.LeaseName(exportId), Holder = "node-a/dead", AcquiredAt = DateTimeOffset.UtcNow.AddMinutes(-1), ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(1) });
            await db.SaveChangesAsync();
        }
        // While node A's lease is live, node B leaves the export alone.
        Assert.False(await Worker(nodes.B).RunAsync(exportId, CancellationToken.None));

        await using (var db = await nodes.A.DbAsync())
        {
            var past = DateTimeOffset.UtcNow.AddSeconds(-1);
            await db.ClusterLeases.Where(l => l.Name == ExportWorker.LeaseName(exportId)).ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAt, past));
        }

        Assert.True(await Worker(nodes.B).RunAsync(exportId, CancellationToken.None));
        Assert.Equal(ExportStatus.Completed, (await WaitForExportAsync(exportId)).Status);
        Assert.Equal(1, await ExportsCompletedAsync(exportId));
        await using var check = await nodes.A.DbAsync();
        Assert.False(await check.ClusterLeases.AnyAsync(l => l.Name == ExportWorker.LeaseName(exportId)));
    }

    [Fact]
    public async Task Erasure_StartedOnBothNodesAtOnce_RunsExactlyOnce()
    {
        var user = await PrivacySeed.CreateAsync(nodes.A);
        var started = DateTimeOffset.UtcNow;

        var attempts = await Task.WhenAll(Enumerable.Range(0, 4).Select(async i =>
        {
            try
            {
                ErasureResult? result = await nodes.Both[i % 2].Services.GetRequiredService<AccountEraser>().EraseAsync(user.Id, user.Id);
                return (Result: result, Error: (Exception?)null);
            }
            catch (InvalidOperationException refused)
            {
                // Another run has the job (ErasureInProgressException), or has already finished it and the account is gone.
                return (Result: (ErasureResult?)null, Error: (Exception?)refused);
            }
        }));

        var result = Assert.Single(attempts, a => a.Result is not null).Result!;
        await using var db = await nodes.B.DbAsync();
        var job = await db.ErasureJobs.AsNoTracking().SingleAsync(j => j.Id == result.JobId);
        Assert.Equal(ErasureStage.Completed, job.Stage);
        Assert.Equal(1, await db.ErasureJobs.CountAsync(j => j.RequestedAt >= started));
        Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.Action == AuditActions.ErasureCompleted && a.SubjectId == job.UserId));
        Assert.False(await db.Users.AnyAsync(u => u.Id == user.Id));
    }

    [Fact]
    public async Task ErasePage_WhileAnotherNodeRunsTheJob_SignsOutAndSays409()
    {
        var user = await PrivacySeed.CreateAsync(nodes.A);
        var browser = nodes.B.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(browser, user.Email, user.Password)).StatusCode);
        // The moment of a double submit in which node A has created the job and runs it, and node B's request has passed
        // the password check: the job row exists and node A holds its lease.
        var job = new ErasureJob { UserId = user.Id, Pseudonym = AccountEraser.PseudonymPrefix + Guid.NewGuid().ToString("N")[..24], Stage = ErasureStage.Locked, RequestedAt = DateTimeOffset.UtcNow };
        await using (var db = await nodes.A.DbAsync())
        {
            db.ErasureJobs.Add(job);
            db.ClusterLeases.Add(new ClusterLease { Name = AccountEraser.LeaseName(job.Id), Holder = "node-a/running", AcquiredAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(1) });
            await db.SaveChangesAsync();
        }

        var response = await FormPost.SubmitAsync(browser, "/privacy/erase", "erase-account", new Dictionary<string, string>
        {
            ["Input.Password"] = user.Password,
            ["Input.Confirm"] = "true",
        });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("already being deleted by an earlier request", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/privacy/erase")).StatusCode);
        await using (var db = await nodes.A.DbAsync())
        {
            // Node B changed nothing: the job is still node A's, at the stage it was.
            Assert.Equal(ErasureStage.Locked, (await db.ErasureJobs.AsNoTracking().SingleAsync(j => j.Id == job.Id)).Stage);
            await db.ClusterLeases.Where(l => l.Name == AccountEraser.LeaseName(job.Id)).ExecuteDeleteAsync();
        }
        // Node A's run finishes it.
        await nodes.A.Services.GetRequiredService<AccountEraser>().ContinueAsync(job.Id);
    }

    [Fact]
    public async Task ErasureLedger_ErasuresOnBothNodes_EachNodeCountsTheOthersEntries()
    {
        var first = await PrivacySeed.CreateAsync(nodes.A);
        var second = await PrivacySeed.CreateAsync(nodes.A);
        var ledgerA = nodes.A.Services.GetRequiredService<ErasureLedger>();
        var ledgerB = nodes.B.Services.GetRequiredService<ErasureLedger>();
        Assert.Equal(ledgerA.FilePath, ledgerB.FilePath);

        await nodes.A.Services.GetRequiredService<AccountEraser>().EraseAsync(first.Id, first.Id);
        var afterA = ledgerA.Count;
        await nodes.B.Services.GetRequiredService<AccountEraser>().EraseAsync(second.Id, second.Id);

        // Node B read node A's line before it appended its own.
        Assert.Equal(afterA + 1, ledgerB.Count);
        Assert.True(ledgerB.Contains(first.Id));
        Assert.Equal(File.ReadAllLines(ledgerB.FilePath).Length - 1, ledgerB.Count);
        Assert.EndsWith($" {ledgerB.Count}", File.ReadAllText(ledgerB.MarkerPath).Trim());
    }
}
