using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// A feature that holds data about users and takes part in erasure: it deletes its rows, or pseudonymizes what the law
/// makes it keep. Register it in the feature's own <c>AddX</c>; Privacy never names the feature's tables.
/// </summary>
public interface IErasureParticipant
{
    /// <summary>
    /// What must happen before the account may go (e.g. it is the last owner of an organization that has other members);
    /// checked before anything changes, so a refused erasure leaves everything as it was. Empty: nothing stands in the way.
    /// </summary>
    Task<IReadOnlyList<ErasureObstacle>> ObstaclesAsync(AppDbContext db, string userId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ErasureObstacle>>([]);

    /// <summary>Runs before the erasure transaction while the profile still exists (e.g. the final invoice).</summary>
    Task BeforeEraseAsync(string userId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Category → count of the user's rows, taken when the erasure starts, for the certificate.</summary>
    Task<IReadOnlyDictionary<string, int>> CountAsync(AppDbContext db, string userId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, int>>(new Dictionary<string, int>());

    /// <summary>Deletes or pseudonymizes the user's rows inside the erasure transaction. Runs again in the final sweep, so it must be idempotent.</summary>
    Task EraseAsync(AppDbContext db, string userId, string pseudonym, CancellationToken cancellationToken);

    /// <summary>What stays under statutory retention, for the certificate.</summary>
    IEnumerable<RetainedCategory> RetainedCategories(DateTimeOffset now) => [];

    /// <summary>The certificate's rows, read while the account row still exists (e.g. naming the final invoice).</summary>
    Task<IReadOnlyList<RetainedCategory>> RetainedAsync(AppDbContext db, string userId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RetainedCategory>>(RetainedCategories(now).ToList());

    /// <summary>Runs in the last transaction, after the certificate is written and before the account row goes (e.g. moving invoices to an unlinked archive).</summary>
    Task ArchiveAsync(AppDbContext db, string userId, CancellationToken cancellationToken) => Task.CompletedTask;
}
