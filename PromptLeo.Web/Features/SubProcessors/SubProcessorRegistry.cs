using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.SubProcessors;

public sealed record SubProcessorEntry(int Id, string Name, string? Address, string Service, string Location, bool? InEea, string? TransferBasis)
{
    public static SubProcessorEntry From(SubProcessor s) => new(s.Id, s.Name, s.Address, s.Service, s.Location, s.InEea, s.TransferBasis);

    /// <summary>"Name, address, service, location (EU/EEA)" as the documents print it; a row seeded from configuration reads as configured.</summary>
    public string Describe(ReportText t)
    {
        var text = string.Join(", ", new[] { Name, Address, Service, Location }.Where(s => !string.IsNullOrWhiteSpace(s)));
        return InEea switch
        {
            true => text + t.T(" (EU/EEA)", " (EU/EWR)"),
            false => text + t.T($" (third country; transfer basis: {TransferBasis})", $" (Drittland; Übermittlungsgrundlage: {TransferBasis})"),
            null => text,
        };
    }
}

public sealed record AnnouncedChange(Guid Id, SubProcessorChangeKind Kind, SubProcessorEntry? Added, SubProcessorEntry? Removed, DateTimeOffset AnnouncedAt, DateTimeOffset EffectiveAt)
{
    public string Describe(ReportText t) => Kind switch
    {
        SubProcessorChangeKind.Addition => t.T($"Addition of {Added!.Describe(t)}", $"Hinzuziehung von {Added!.Describe(t)}"),
        SubProcessorChangeKind.Replacement => t.T($"Replacement of {Removed!.Describe(t)} by {Added!.Describe(t)}", $"Ersetzung von {Removed!.Describe(t)} durch {Added!.Describe(t)}"),
        _ => t.T($"Removal of {Removed!.Describe(t)}", $"Wegfall von {Removed!.Describe(t)}"),
    };

    /// <summary>The change with its date, as the DPA and the privacy policy list it.</summary>
    public string DescribeWithDate(ReportText t) => t.T($"{Describe(t)}, effective {t.Date(EffectiveAt)}", $"{Describe(t)}, wirksam ab {t.Date(EffectiveAt)}");
}

/// <summary>The sub-processors in force at one moment, and the changes announced but not yet in force.</summary>
public sealed record SubProcessorList(IReadOnlyList<SubProcessorEntry> InForce, IReadOnlyList<AnnouncedChange> Announced)
{
    public IReadOnlyList<string> Lines(ReportText t) => [.. InForce.Select(s => s.Describe(t))];

    public IReadOnlyList<string> AnnouncedLines(ReportText t) => [.. Announced.Select(c => c.DescribeWithDate(t))];

    /// <summary>Changes whenever what the documents print changes.</summary>
    public string Key => string.Join(";", InForce.Select(s => s.Id)) + "|" + string.Join(";", Announced.Select(c => c.Id));
}

/// <summary>
/// The one place the DPA, the Art. 30 register, the privacy policy and the access report read sub-processors from. A change is
/// in force from its effective date on (computed from the date, no job). Keeps the small table in memory so the synchronous
/// documents can read it; every write and every <see cref="CurrentAsync"/> refreshes it.
/// </summary>
public sealed class SubProcessorRegistry(IDbContextFactory<AppDbContext> dbFactory, IOptions<PrivacyOptions> privacy, ILogger<SubProcessorRegistry> logger)
{
    private volatile Snapshot? snapshot;

    private sealed record Snapshot(IReadOnlyList<SubProcessor> Rows, IReadOnlyList<SubProcessorChange> Changes);

    public async Task<SubProcessorList> CurrentAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await RefreshAsync(cancellationToken);
        return Current(now);
    }

    /// <summary>From the last loaded state; loads it first if nothing has loaded yet.</summary>
    public SubProcessorList Current(DateTimeOffset now)
    {
        var state = snapshot ?? LoadBlocking();
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
        var rows = await db.SubProcessors.AsNoTracking().OrderBy(s => s.Id).ToListAsync(cancellationToken);
        var changes = await db.SubProcessorChanges.AsNoTracking().ToListAsync(cancellationToken);
        snapshot = new Snapshot(rows, changes);
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
