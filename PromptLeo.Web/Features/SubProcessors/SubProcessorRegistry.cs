using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.SubProcessors;

/// <summary>
/// The one place the DPA, the Art. 30 register, the privacy policy and the access report read sub-processors from. A change is
/// in force from its effective date on (computed from the date, no job). Keeps the small table in memory so the synchronous
/// documents can read it; every write and every <see cref="CurrentAsync"/> refreshes it, and a read of a copy older than
/// 30 s reloads it in the background (other nodes).
/// </summary>
public sealed class SubProcessorRegistry(IDbContextFactory<AppDbContext> dbFactory, IOptions<PrivacyOptions> privacy, ILogger<SubProcessorRegistry> logger) : ISubProcessorSource
{
    private volatile Snapshot? snapshot;

    private sealed record Snapshot(IReadOnlyList<SubProcessor> Rows, IReadOnlyList<SubProcessorChange> Changes, long LoadedAt);

    /// <summary>Another node may have announced a change; a snapshot older than this is reloaded in the background.</summary>
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private int refreshing;

    public async Task<SubProcessorList> CurrentAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await RefreshAsync(cancellationToken);
        return Current(now);
    }

    /// <summary>From the last loaded state; loads it first if nothing has loaded yet.</summary>
    public SubProcessorList Current(DateTimeOffset now)
    {
        var state = snapshot ?? LoadBlocking();
        if (Environment.TickCount64 - state.LoadedAt > MaxAge.TotalMilliseconds && Interlocked.Exchange(ref refreshing, 1) == 0)
        {
            _ = RefreshInBackgroundAsync();
        }
        var inForce = state.Rows.Where(s => (s.ActiveFrom is null || s.ActiveFrom <= now) && (s.ActiveUntil is null || s.ActiveUntil > now))
            .Select(SubProcessorEntry.From).ToList();
        var rows = state.Rows.ToDictionary(s => s.Id);
        var announced = state.Changes.Where(c => c.EffectiveAt > now).OrderBy(c => c.EffectiveAt).ThenBy(c => c.Id)
            .Select(c => new AnnouncedChange(c.Id, c.Kind,
                c.AddedId is { } added ? SubProcessorEntry.From(rows[added]) : null,
                c.RemovedId is { } removed ? SubProcessorEntry.From(rows[removed]) : null,
                c.AnnouncedAt, c.EffectiveAt))
            .ToList();
        return new SubProcessorList(inForce, announced);
    }

    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Changes first: a row added after them is harmless (not yet in force), a change without its row is not.
        var changes = await db.SubProcessorChanges.AsNoTracking().ToListAsync(cancellationToken);
        var rows = await db.SubProcessors.AsNoTracking().OrderBy(s => s.Id).ToListAsync(cancellationToken);
        snapshot = new Snapshot(rows, changes, Environment.TickCount64);
    }

    private async Task RefreshInBackgroundAsync()
    {
        try
        {
            await RefreshAsync();
        }
        catch (Exception ex)
        {
            // The documents keep the last list; the next read tries again.
            logger.LogWarning(ex, "Reloading the sub-processor list failed");
        }
        finally
        {
            Interlocked.Exchange(ref refreshing, 0);
        }
    }

    private Snapshot LoadBlocking()
    {
        RefreshAsync().GetAwaiter().GetResult();
        return snapshot!;
    }

    /// <summary>Copies <c>Privacy:SubProcessors</c> into the table once, when it is empty; from then on admins manage the list.</summary>
    public async Task SeedAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.SubProcessors.AnyAsync(cancellationToken) && privacy.Value.SubProcessors.Count > 0)
        {
            db.SubProcessors.AddRange(privacy.Value.SubProcessors.Where(s => !string.IsNullOrWhiteSpace(s)).Select(Parse));
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Seeded {Count} sub-processors from configuration", privacy.Value.SubProcessors.Count);
        }
        await RefreshAsync(cancellationToken);
    }

    /// <summary>Reads "name, address, service, location"; fewer parts fill name, then location, then service.</summary>
    internal static SubProcessor Parse(string configured)
    {
        var parts = configured.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return parts.Length switch
        {
            1 => new SubProcessor { Name = Clip(parts[0], 200) },
            2 => new SubProcessor { Name = Clip(parts[0], 200), Location = Clip(parts[1], 200) },
            3 => new SubProcessor { Name = Clip(parts[0], 200), Service = Clip(parts[1], 300), Location = Clip(parts[2], 200) },
            _ => new SubProcessor
            {
                Name = Clip(parts[0], 200),
                Address = Clip(string.Join(", ", parts[1..^2]), 300),
                Service = Clip(parts[^2], 300),
                Location = Clip(parts[^1], 200),
            },
        };
    }

    private static string Clip(string value, int length) => value.Length <= length ? value : value[..length];
}

/// <summary>Seeds the table from configuration after the migrations ran (hosted services start after <c>InitializeDatabaseAsync</c>).</summary>
public sealed class SubProcessorSeeding(SubProcessorRegistry registry) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => registry.SeedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
