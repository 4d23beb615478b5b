using Microsoft.EntityFrameworkCore;

namespace PromptLeo.Web.Features.Storage;

public static class SqliteHygiene
{
    /// <summary>Moves the WAL into the main file and truncates it, so deleted rows do not linger in the WAL file.</summary>
    public static async Task CheckpointAsync(DbContext db, CancellationToken cancellationToken)
    {
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);", cancellationToken);
        }
    }
}
