using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Telemetry;

/// <summary>The admin's system view: every node that wrote a sample in the last hour, with its minutes and latest state.</summary>
public sealed class SystemOverview(
    IDbContextFactory<AppDbContext> dbFactory,
    NodeMetricSampler sampler,
    NodeActivityMonitor monitor,
    IOptions<TelemetryOptions> options,
    TimeProvider time)
{
    public const int Minutes = 60;

    public async Task<SystemView> LoadAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var end = StartOfMinute(now).AddMinutes(1);
        var start = end.AddMinutes(-Minutes);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var samples = await db.NodeMetricSamples.AsNoTracking().Where(s => s.At >= start).ToListAsync(cancellationToken);
        var silentAfter = options.Value.SampleInterval * 3;
        var nodes = samples.GroupBy(s => s.Node, StringComparer.Ordinal)
            .Select(g => Node(g.Key, [.. g.OrderBy(s => s.At)], start, now, silentAfter))
            .ToList();
        if (nodes.All(n => n.Name != sampler.NodeName))
        {
            nodes.Add(new NodeView(sampler.NodeName, [.. Enumerable.Range(0, Minutes).Select(i => new MinuteView(start.AddMinutes(i), 0, 0, 0, 0, 0))], null, true));
        }
        return new SystemView(
            [.. nodes.OrderBy(n => n.Name != sampler.NodeName).ThenBy(n => n.Name, StringComparer.Ordinal)],
            sampler.NodeName, monitor.QueueDepth, NodeMetricSampler.Version, now);
    }

    private static NodeView Node(string name, List<NodeMetricSample> samples, DateTimeOffset start, DateTimeOffset now, TimeSpan silentAfter)
    {
        var byMinute = samples.ToLookup(s => (int)((StartOfMinute(s.At) - start).TotalMinutes));
        var minutes = Enumerable.Range(0, Minutes).Select(i =>
        {
            var inMinute = byMinute[i].ToList();
            return new MinuteView(start.AddMinutes(i),
                inMinute.Select(s => s.QueueDepth).DefaultIfEmpty().Max(),
                inMinute.Sum(s => s.Requests), inMinute.Sum(s => s.Errors), inMinute.Sum(s => s.Tokens), inMinute.Sum(s => s.Images));
        }).ToList();
        var latest = samples[^1];
        return new NodeView(name, minutes, latest, now - latest.At <= silentAfter);
    }

    private static DateTimeOffset StartOfMinute(DateTimeOffset at) =>
        new(at.UtcDateTime.Ticks - at.UtcDateTime.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
}

public sealed record SystemView(IReadOnlyList<NodeView> Nodes, string ThisNode, int LiveQueueDepth, string Version, DateTimeOffset At);

/// <summary>One node: its last hour by minute, its latest sample (null when it has written none yet), and whether it still reports.</summary>
public sealed record NodeView(string Name, IReadOnlyList<MinuteView> Minutes, NodeMetricSample? Latest, bool Reporting)
{
    public long Requests => Minutes.Sum(m => m.Requests);
    public long Errors => Minutes.Sum(m => m.Errors);
    public long Tokens => Minutes.Sum(m => m.Tokens);
    public long Images => Minutes.Sum(m => m.Images);
}

public sealed record MinuteView(DateTimeOffset Start, int QueueDepth, long Requests, long Errors, long Tokens, long Images)
{
    /// <summary>Failed requests as a percentage of the minute's requests; 0 for a minute without requests.</summary>
    public double ErrorRatePercent => Requests == 0 ? 0 : 100.0 * Errors / Requests;
}
