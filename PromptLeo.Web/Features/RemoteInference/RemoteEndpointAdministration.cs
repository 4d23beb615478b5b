using Microsoft.AspNetCore.DataProtection;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.RemoteInference;

/// <summary>What an administrator enters for an endpoint; an empty <see cref="ApiKey"/> keeps the stored credential on edit.</summary>
public sealed class RemoteEndpointForm
{
    public Guid? Id { get; set; }
    public string Name { get; set; } = "";
    public string BaseUrl { get; set; } = "";
    public string Region { get; set; } = "";
    public string? ApiKey { get; set; }
    public bool RemoveApiKey { get; set; }
    /// <summary>Chat model ids, one per line (or separated by commas).</summary>
    public string ChatModels { get; set; } = "";
    /// <summary>Image model ids, one per line (or separated by commas).</summary>
    public string ImageModels { get; set; } = "";
    public bool Enabled { get; set; } = true;
}

/// <summary>One row of the admin page: the registration plus this node's view of its health and load.</summary>
public sealed record RemoteEndpointRow(Guid Id, string Name, string BaseUrl, string Region, bool HasApiKey, bool Enabled,
    IReadOnlyList<RemoteModel> Models, RemoteHealth Health, RemoteProblem? LastError, DateTimeOffset? HealthChangedAt, int InFlight)
{
    public DateTimeOffset? LastCheckedAt { get; init; }

    public TimeSpan? LastCheckLatency { get; init; }

    /// <summary>Set while a request found the endpoint's circuit open.</summary>
    public DateTimeOffset? CircuitOpenUntil { get; init; }
}

/// <summary>
/// The form is invalid; <see cref="Key"/> is the English resource key of the message, <see cref="Arguments"/> fill its
/// placeholders, <see cref="Field"/> names the form field.
/// </summary>
public sealed class RemoteEndpointInvalidException(string field, string key, params object[] arguments)
    : Exception(string.Format(System.Globalization.CultureInfo.InvariantCulture, key, arguments))
{
    public string Field { get; } = field;
    public string Key { get; } = key;
    public object[] Arguments { get; } = arguments;
}

/// <summary>
/// Registers, changes and removes remote endpoints (admin page), each change audited. Only regions on
/// <see cref="RemoteInferenceOptions.AllowedRegions"/> are accepted; the credential is stored encrypted.
/// </summary>
public sealed partial class RemoteEndpointAdministration(
    IDbContextFactory<AppDbContext> dbFactory,
    RemoteEndpointCatalog catalog,
    RemoteHealthMonitor health,
    IModelRegistry registry,
    AuditLog audit,
    IOptions<RemoteInferenceOptions> options,
    TimeProvider time,
    ILogger<RemoteEndpointAdministration> logger)
{
    public IReadOnlyList<string> AllowedRegions => options.Value.EffectiveAllowedRegions;

    public TimeSpan HealthCheckInterval => options.Value.HealthCheckInterval;

    public async Task<IReadOnlyList<RemoteEndpointRow>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.RemoteInferenceEndpoints.AsNoTracking().Include(e => e.Models).ToListAsync(cancellationToken);
        return [.. rows.OrderBy(e => e.Name, StringComparer.Ordinal).Select(e =>
        {
            var state = catalog.State(e.Id);
            return new RemoteEndpointRow(e.Id, e.Name, e.BaseUrl, e.Region, e.ProtectedApiKey is not null, e.Enabled,
                [.. e.Models.OrderBy(m => m.ModelId, StringComparer.Ordinal).Select(m => new RemoteModel(m.ModelId, m.Kind))],
                state.Health, state.LastError, state.ChangedAt, state.InFlight)
            {
                LastCheckedAt = state.LastCheckedAt,
                LastCheckLatency = state.LastCheckLatency,
                CircuitOpenUntil = state.IsCircuitOpen(time.GetUtcNow()) ? state.CircuitOpenUntil : null,
            };
        })];
    }

    /// <summary>The form of an existing endpoint (the credential is never shown again).</summary>
    public async Task<RemoteEndpointForm?> FormAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.RemoteInferenceEndpoints.AsNoTracking().Include(e => e.Models).FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        return row is null ? null : new RemoteEndpointForm
        {
            Id = row.Id,
            Name = row.Name,
            BaseUrl = row.BaseUrl,
            Region = row.Region,
            ChatModels = string.Join('\n', row.Models.Where(m => m.Kind == RemoteModelKinds.Chat).Select(m => m.ModelId)),
            ImageModels = string.Join('\n', row.Models.Where(m => m.Kind == RemoteModelKinds.Image).Select(m => m.ModelId)),
            Enabled = row.Enabled,
        };
    }

    /// <summary>Adds or changes an endpoint; throws <see cref="RemoteEndpointInvalidException"/> for a wrong form. Returns its id.</summary>
    public async Task<Guid> SaveAsync(RemoteEndpointForm form, string actorId, CancellationToken cancellationToken = default)
    {
        var name = form.Name.Trim();
        var baseUrl = CheckBaseUrl(form.BaseUrl);
        var region = form.Region.Trim().ToUpperInvariant();
        if (name.Length is 0 or > 64 || !NamePattern().IsMatch(name))
        {
            throw new RemoteEndpointInvalidException("name", "The name must be 1 to 64 letters, digits, dots, dashes or underscores.");
        }
        if (!RegionPattern().IsMatch(region))
        {
            throw new RemoteEndpointInvalidException("region", "The region must look like DE or DE-FRA.");
        }
        if (!options.Value.IsAllowed(region))
        {
            throw new RemoteEndpointInvalidException("region", "The region {0} is not on the allowlist ({1}); data may only be processed there.", region, string.Join(", ", options.Value.EffectiveAllowedRegions));
        }
        var models = Models(form.ChatModels, RemoteModelKinds.Chat).Concat(Models(form.ImageModels, RemoteModelKinds.Image)).ToList();
        if (models.Count == 0)
        {
            throw new RemoteEndpointInvalidException("models", "Name at least one model the endpoint serves.");
        }
        if (models.GroupBy(m => m.Id, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new RemoteEndpointInvalidException("models", "The model {0} is listed twice.", twice.Key);
        }
        if (models.FirstOrDefault(m => registry.Get(m.Id) is not null) is { } local)
        {
            throw new RemoteEndpointInvalidException("models", "The model {0} is installed on this node; a remote model needs an id of its own.", local.Id);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.RemoteInferenceEndpoints.AnyAsync(e => e.Name == name && e.Id != form.Id, cancellationToken))
        {
            throw new RemoteEndpointInvalidException("name", "An endpoint named {0} exists already.", name);
        }
        var now = time.GetUtcNow();
        RemoteInferenceEndpoint row;
        if (form.Id is { } id)
        {
            row = await db.RemoteInferenceEndpoints.Include(e => e.Models).FirstOrDefaultAsync(e => e.Id == id, cancellationToken)
                ?? throw new RemoteEndpointInvalidException("name", "This endpoint no longer exists.");
            db.RemoteInferenceModels.RemoveRange(row.Models);
            row.Models = [];
        }
        else
        {
            row = new RemoteInferenceEndpoint { CreatedAt = now };
            db.RemoteInferenceEndpoints.Add(row);
        }
        row.Name = name;
        row.BaseUrl = baseUrl;
        row.Region = region;
        row.Enabled = form.Enabled;
        row.ChangedAt = now;
        if (!string.IsNullOrWhiteSpace(form.ApiKey))
        {
            row.ProtectedApiKey = catalog.Protector.Protect(form.ApiKey.Trim());
        }
        else if (form.RemoveApiKey)
        {
            row.ProtectedApiKey = null;
        }
        row.Models = [.. models.Select(m => new RemoteInferenceModel { EndpointId = row.Id, ModelId = m.Id, Kind = m.Kind })];
        db.AuditEntries.Add(audit.Create(actorId, null, form.Id is null ? AuditActions.RemoteEndpointAdded : AuditActions.RemoteEndpointChanged,
            $"{name} {region} {baseUrl}: {string.Join(", ", models.Select(m => m.Id))}{(form.Enabled ? "" : " (disabled)")}"));
        await db.SaveChangesAsync(cancellationToken);
        catalog.Invalidate();
        logger.LogInformation("Remote endpoint {EndpointId} ({EndpointName}, {Region}) saved by {UserId}", row.Id, name, region, actorId);
        return row.Id;
    }

    public async Task<bool> RemoveAsync(Guid id, string actorId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.RemoteInferenceEndpoints.FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (row is null)
        {
            return false;
        }
        db.RemoteInferenceEndpoints.Remove(row);
        db.AuditEntries.Add(audit.Create(actorId, null, AuditActions.RemoteEndpointRemoved, $"{row.Name} {row.Region} {row.BaseUrl}"));
        await db.SaveChangesAsync(cancellationToken);
        catalog.Invalidate();
        logger.LogInformation("Remote endpoint {EndpointId} removed by {UserId}", id, actorId);
        return true;
    }

    /// <summary>Runs the health check of one enabled endpoint now; false when it is unhealthy or not enabled.</summary>
    public async Task<bool> CheckNowAsync(Guid id, CancellationToken cancellationToken = default)
    {
        catalog.Invalidate();
        return catalog.Enabled().FirstOrDefault(e => e.Id == id) is { } endpoint && await health.CheckAsync(endpoint, cancellationToken);
    }

    private static string CheckBaseUrl(string text)
    {
        var trimmed = text.Trim().TrimEnd('/');
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new RemoteEndpointInvalidException("baseUrl", "The base URL must be an absolute http(s) URL without query or credentials, e.g. https://gpu1.example.eu/v1.");
        }
        return trimmed;
    }

    private static IEnumerable<RemoteModel> Models(string text, string kind)
    {
        foreach (var id in text.Split(['\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (id.Length > 128 || !ModelIdPattern().IsMatch(id))
            {
                throw new RemoteEndpointInvalidException("models", "The model id {0} is not valid (letters, digits, . _ - : / only, at most 128 characters).", id.Length > 40 ? id[..40] + "…" : id);
            }
            yield return new RemoteModel(id, kind);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Z]{2}(-[A-Z0-9]{2,10})?$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex("^[A-Za-z0-9._:/-]+$")]
    private static partial Regex ModelIdPattern();
}
