using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Cluster;

/// <summary>
/// Short critical sections across nodes (check, then insert) run in a transaction whose first statement updates one row.
/// </summary>
/// <remarks>
/// Why an UPDATE and not serializable transactions or advisory locks: it is provider-neutral (PostgreSQL takes the row
/// lock and holds it to commit; SQLite takes its database write lock), waits instead of failing, so no retry loop is
/// needed, and in PostgreSQL's read-committed mode every later statement of the transaction sees what the previous
/// lock holder committed. The update sets a column to itself: PostgreSQL locks the row for any UPDATE, so no version
/// column (and no schema change to the locked table) is needed. Call it first in a transaction begun by the caller.
/// </remarks>
public static class RowLocks
{
    /// <summary>Locks the organization's row for budget reservations (rewrites its name unchanged); false when there is no such organization.</summary>
    public static async Task<bool> LockOrganizationAsync(AppDbContext db, Guid organizationId, CancellationToken cancellationToken) =>
        await db.Organizations.Where(o => o.Id == organizationId)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.Name, o => o.Name), cancellationToken) == 1;

    /// <summary>Locks the account's row (rewrites its concurrency stamp unchanged) for per-user single-flight starts; false when there is no such account.</summary>
    public static async Task<bool> LockUserAsync(AppDbContext db, string userId, CancellationToken cancellationToken) =>
        await db.Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.ConcurrencyStamp, u => u.ConcurrencyStamp), cancellationToken) == 1;
}
