using Microsoft.EntityFrameworkCore;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Models;

/// <summary>An administrator has disabled the model: it is not offered and every inference request for it is refused.</summary>
public sealed class ModelDisabledException(string modelId)
    : Exception($"The model '{modelId}' has been disabled by an administrator. Choose another model.")
{
    public string ModelId { get; } = modelId;
}

/// <summary>
/// Which installed models users may use. Enabled unless an administrator disabled it (a <see cref="ModelSetting"/> row).
/// The inference path asks the database on every request; the pickers use a copy at most a few seconds old, so a change
/// on another node shows there within that time.
/// </summary>
public sealed class ModelAvailability(IDbContextFactory<AppDbContext> dbFactory, IModelRegistry registry, AuditLog audit, TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private volatile DisabledSnapshot? snapshot;

    private sealed record DisabledSnapshot(HashSet<string> Ids, DateTimeOffset ReadAt);

    /// <summary>The id as installed (the registry ignores case), so a differently cased id cannot slip past a setting.</summary>
    public string CanonicalId(string modelId) => registry.Get(modelId)?.Manifest.Id ?? modelId;

    /// <summary>Whether pickers and <c>/v1/models</c> may offer the model.</summary>
    public bool IsOffered(string modelId) => !DisabledIds().Contains(CanonicalId(modelId));

    /// <summary>The disabled model ids, from a copy at most a few seconds old (this node's own changes show at once).</summary>
    public IReadOnlySet<string> DisabledIds()
    {
        var current = snapshot;
        if (current is null || time.GetUtcNow() - current.ReadAt > CacheFor)
        {
            using var db = dbFactory.CreateDbContext();
            var ids = db.ModelSettings.AsNoTracking().Where(s => s.Disabled).Select(s => s.ModelId).ToList();
            snapshot = current = new DisabledSnapshot(new HashSet<string>(ids, StringComparer.OrdinalIgnoreCase), time.GetUtcNow());
        }
        return current.Ids;
    }

    /// <summary>Throws <see cref="ModelDisabledException"/> when the model is disabled; reads the database, not the copy.</summary>
    public async Task EnsureEnabledAsync(string modelId, CancellationToken cancellationToken)
    {
        var id = CanonicalId(modelId);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.ModelSettings.AnyAsync(s => s.ModelId == id && s.Disabled, cancellationToken))
        {
            throw new ModelDisabledException(id);
        }
    }

    /// <summary>Enables or disables a model for users, with an audit entry in the same save. Returns false when nothing changed.</summary>
    public async Task<bool> SetDisabledAsync(string modelId, bool disabled, string actorId, CancellationToken cancellationToken = default)
    {
        var id = CanonicalId(modelId);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var setting = await db.ModelSettings.FirstOrDefaultAsync(s => s.ModelId == id, cancellationToken);
        if ((setting?.Disabled ?? false) == disabled)
        {
            return false;
        }
        if (setting is null)
        {
            setting = new ModelSetting { ModelId = id };
            db.ModelSettings.Add(setting);
        }
        setting.Disabled = disabled;
        setting.ChangedAt = time.GetUtcNow();
        setting.ChangedBy = actorId;
        db.AuditEntries.Add(audit.Create(actorId, null, disabled ? AuditActions.ModelDisabled : AuditActions.ModelEnabled, id));
        await db.SaveChangesAsync(cancellationToken);
        snapshot = null;
        return true;
    }
}
