using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Metering;

namespace PromptLeo.Web.Features.RemoteInference;

/// <summary>A model a remote endpoint serves: <see cref="RemoteModelKinds.Chat"/> or <see cref="RemoteModelKinds.Image"/>.</summary>
public sealed record RemoteModel(string Id, string Kind);

public static class RemoteModelKinds
{
    public const string Chat = "chat";
    public const string Image = "image";
}

/// <summary>An enabled endpoint as routing sees it, with its credential decrypted (kept in memory only).</summary>
public sealed record RemoteEndpoint(Guid Id, string Name, string BaseUrl, string Region, string? ApiKey, IReadOnlyList<RemoteModel> Models)
{
    public bool Serves(string modelId) => Models.Any(m => string.Equals(m.Id, modelId, StringComparison.OrdinalIgnoreCase));
}

public enum RemoteHealth
{
    /// <summary>Not checked yet: requests are sent to it.</summary>
    Unknown,
    Healthy,
    /// <summary>The last check or request failed: no request is sent to it until a health check succeeds.</summary>
    Unhealthy,
}

/// <summary>This node's view of one endpoint: health from checks and requests, and the requests it serves now (its queue depth).</summary>
public sealed class RemoteEndpointState
{
    private int inFlight;

    public int InFlight => Volatile.Read(ref inFlight);

    public RemoteHealth Health { get; private set; }

    /// <summary>Why it is unhealthy (status, timeout, protocol error); never prompt or output text.</summary>
    public RemoteProblem? LastError { get; private set; }

    public DateTimeOffset? ChangedAt { get; private set; }

    /// <summary>When this node last checked the endpoint's <c>GET /models</c>, and how long the answer took.</summary>
    public DateTimeOffset? LastCheckedAt { get; private set; }

    public TimeSpan? LastCheckLatency { get; private set; }

    /// <summary>Until when a request found the endpoint's circuit open (its breaker sends nothing while open).</summary>
    public DateTimeOffset? CircuitOpenUntil { get; private set; }

    public bool IsCircuitOpen(DateTimeOffset now) => CircuitOpenUntil is { } until && until > now;

    public void RecordCheck(DateTimeOffset at, TimeSpan latency)
    {
        lock (this)
        {
            LastCheckedAt = at;
            LastCheckLatency = latency;
        }
    }

    public void MarkCircuitOpen(DateTimeOffset until)
    {
        lock (this)
        {
            CircuitOpenUntil = until;
        }
    }

    public void Enter() => Interlocked.Increment(ref inFlight);

    public void Leave() => Interlocked.Decrement(ref inFlight);

    public void MarkHealthy(DateTimeOffset at) => Set(RemoteHealth.Healthy, null, at);

    public void MarkUnhealthy(RemoteProblem reason, DateTimeOffset at) => Set(RemoteHealth.Unhealthy, reason, at);

    private void Set(RemoteHealth health, RemoteProblem? error, DateTimeOffset at)
    {
        lock (this)
        {
            Health = health;
            LastError = error;
            ChangedAt = at;
        }
    }
}

/// <summary>
/// The registered endpoints (from the database, a copy at most a few seconds old so that changes on another node show),
/// their health and in-flight counts, and the choice of an endpoint for a model: the healthy one with the fewest requests in flight.
/// </summary>
public sealed class RemoteEndpointCatalog(
    IDbContextFactory<AppDbContext> dbFactory,
    IDataProtectionProvider protection,
    IOptions<RemoteInferenceOptions> options,
    TimeProvider time,
    ILogger<RemoteEndpointCatalog> logger)
{
    public const string CredentialPurpose = "PromptLeo.RemoteInference.Credential";
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<Guid, RemoteEndpointState> states = new();
    private volatile Snapshot? snapshot;

    private sealed record Snapshot(IReadOnlyList<RemoteEndpoint> Enabled, DateTimeOffset ReadAt);

    public IDataProtector Protector => protection.CreateProtector(CredentialPurpose);

    /// <summary>The enabled endpoints.</summary>
    public IReadOnlyList<RemoteEndpoint> Enabled()
    {
        var current = snapshot;
        if (current is null || time.GetUtcNow() - current.ReadAt > CacheFor)
        {
            snapshot = current = Load();
        }
        return current.Enabled;
    }

    /// <summary>This node's changes show at once.</summary>
    public void Invalidate() => snapshot = null;

    public RemoteEndpointState State(Guid endpointId) => states.GetOrAdd(endpointId, _ => new RemoteEndpointState());

    /// <summary>The distinct models of the enabled endpoints (the first endpoint's spelling and kind).</summary>
    public IReadOnlyList<RemoteModel> Models() =>
        [.. Enabled().SelectMany(e => e.Models).DistinctBy(m => m.Id, StringComparer.OrdinalIgnoreCase).OrderBy(m => m.Id, StringComparer.Ordinal)];

    public RemoteModel? Find(string modelId) =>
        Enabled().SelectMany(e => e.Models).FirstOrDefault(m => string.Equals(m.Id, modelId, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The endpoint that takes the next request for <paramref name="modelId"/>: among the healthy (or not yet checked) ones
    /// the one with the fewest requests in flight. Null when no enabled endpoint serves the model; throws
    /// <see cref="InferenceProviderException"/> (503) when all that serve it are unhealthy.
    /// </summary>
    public (RemoteEndpoint Endpoint, RemoteEndpointState State)? Pick(string modelId)
    {
        var serving = Enabled().Where(e => e.Serves(modelId)).Select(e => (Endpoint: e, State: State(e.Id))).ToList();
        if (serving.Count == 0)
        {
            return null;
        }
        var usable = serving.Where(s => s.State.Health != RemoteHealth.Unhealthy).ToList();
        if (usable.Count == 0)
        {
            throw new InferenceProviderException(StatusCodes.Status503ServiceUnavailable, "remote_unavailable",
                $"No inference node for the model '{modelId}' is reachable right now; nothing was charged. Try again later.", options.Value.HealthCheckInterval);
        }
        // Ties go to a random endpoint, so that idle endpoints share the load rather than the first taking it all.
        return usable.MinBy(s => (s.State.InFlight, Random.Shared.Next()));
    }

    private Snapshot Load()
    {
        using var db = dbFactory.CreateDbContext();
        var rows = db.RemoteInferenceEndpoints.AsNoTracking().Include(e => e.Models).Where(e => e.Enabled).ToList();
        var endpoints = rows.OrderBy(e => e.Name, StringComparer.Ordinal)
            .Select(e => new RemoteEndpoint(e.Id, e.Name, e.BaseUrl, e.Region, Unprotect(e),
                [.. e.Models.OrderBy(m => m.ModelId, StringComparer.Ordinal).Select(m => new RemoteModel(m.ModelId, m.Kind))]))
            .ToList();
        return new Snapshot(endpoints, time.GetUtcNow());
    }

    private string? Unprotect(RemoteInferenceEndpoint row)
    {
        if (row.ProtectedApiKey is null)
        {
            return null;
        }
        try
        {
            return Protector.Unprotect(row.ProtectedApiKey);
        }
        catch (CryptographicException ex)
        {
            // A key ring that lost the key: the endpoint cannot authenticate until an admin enters the credential again.
            logger.LogWarning(ex, "The credential of remote endpoint {EndpointId} cannot be decrypted", row.Id);
            State(row.Id).MarkUnhealthy(new("The stored credential cannot be decrypted; enter it again."), time.GetUtcNow());
            return null;
        }
    }
}
