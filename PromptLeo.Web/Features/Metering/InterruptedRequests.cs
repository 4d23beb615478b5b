using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Web.Features.Metering;

/// <summary>
/// At start-up, records this node left <c>started</c> belong to requests whose process died mid-inference: they are
/// finished as <c>interrupted</c>. Their reservation died with the process, and nothing is charged for them.
/// </summary>
public static class InterruptedRequests
{
    public static async Task<int> MarkInterruptedRequestsAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var records = services.GetRequiredService<ProcessingRecordWriter>();
        var time = services.GetRequiredService<TimeProvider>();
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(cancellationToken);
        var node = records.Node;
        var now = time.GetUtcNow();
        // Only this node's: another node's started records may still be running.
        var count = await db.ProcessingRecords.Where(r => r.Outcome == ProcessingOutcome.Started && r.Node == node)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Outcome, ProcessingOutcome.Interrupted).SetProperty(r => r.FinishedAt, now), cancellationToken);
        if (count > 0)
        {
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(InterruptedRequests))
                .LogWarning("Marked {Count} processing records of node {Node} as interrupted", count, node);
        }
        return count;
    }
}
