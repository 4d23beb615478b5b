using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Cluster;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Web.Features.Telemetry;

/// <summary>
/// Writes this node's activity sample every <see cref="TelemetryOptions.SampleInterval"/> to the shared database, so any
/// node's system view shows all nodes, and deletes samples older than <see cref="TelemetryOptions.SampleRetention"/>.
/// </summary>
public sealed class NodeMetricSampler(
    IDbContextFactory<AppDbContext> dbFactory,
    NodeActivityMonitor monitor,
    DataPaths paths,
    IOptions<ClusterOptions> cluster,
    IOptions<TelemetryOptions> options,
    TimeProvider time,
    ILogger<NodeMetricSampler> logger) : BackgroundService
{
    /// <summary>The informational version of this build, as shown on the system view.</summary>
    public static string Version { get; } = Truncate(
        typeof(NodeMetricSampler).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(NodeMetricSampler).Assembly.GetName().Version?.ToString() ?? "unknown");

    public string NodeName => cluster.Value.NodeName;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SampleInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Node activity sample could not be written; the next interval tries again");
            }
        }
    }

    /// <summary>Writes one sample with what happened since the previous one, and purges expired samples.</summary>
    public async Task<NodeMetricSample> SampleAsync(CancellationToken cancellationToken = default)
    {
        var activity = monitor.TakeInterval();
        var now = time.GetUtcNow();
        var sample = new NodeMetricSample
        {
            Node = Truncate(NodeName),
            At = now,
            QueueDepth = activity.PeakQueueDepth,
            Requests = activity.Requests,
            Errors = activity.Errors,
            Tokens = activity.Tokens,
            Images = activity.Images,
            DataFolderBytes = DataFolderBytes(paths.Root),
            DiskFreeBytes = DiskFreeBytes(paths.Root),
            Version = Version,
        };
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.NodeMetricSamples.Add(sample);
        await db.SaveChangesAsync(cancellationToken);
        var expired = now - options.Value.SampleRetention;
        await db.NodeMetricSamples.Where(s => s.At < expired).ExecuteDeleteAsync(cancellationToken);
        return sample;
    }

    private long DataFolderBytes(string root)
    {
        // Links are not followed, so a mounted model store is not counted twice; the lengths come with the listing.
        var walk = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        long total = 0;
        try
        {
            foreach (var file in new DirectoryInfo(root).EnumerateFiles("*", walk))
            {
                total += file.Length;
            }
        }
        catch (IOException ex)
        {
            // A folder removed mid-walk (an export picked up, a model deleted): what was counted so far; the next sample walks again.
            logger.LogDebug(ex, "The data folder changed while its size was summed");
        }
        return total;
    }

    private static long DiskFreeBytes(string root)
    {
        try
        {
            return new DriveInfo(root).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static string Truncate(string value) => value.Length <= 100 ? value : value[..100];
}
