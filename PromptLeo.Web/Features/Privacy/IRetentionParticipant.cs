using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// A feature whose content expires under each user's retention setting (Art. 5(1)(e)). The purge calls every
/// participant; Privacy never names the feature's tables.
/// </summary>
public interface IRetentionParticipant
{
    /// <summary>Deletes what is past its retention at <paramref name="now"/>; returns category → count for the audit entry.</summary>
    Task<IReadOnlyDictionary<string, int>> PurgeAsync(AppDbContext db, DateTimeOffset now, CancellationToken cancellationToken);
}
