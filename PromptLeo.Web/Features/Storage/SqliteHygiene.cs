using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

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

    /// <summary>
    /// After a data key was deleted: SQLite checkpoints (secure_delete already zeroed the row); PostgreSQL has no
    /// secure_delete, so the small key table is rewritten (VACUUM FULL) and the dead row's bytes leave the table's files.
    /// </summary>
    public static async Task ScrubDeletedKeysAsync(DataKeyDbContext keys, CancellationToken cancellationToken)
    {
        if (keys.Database.IsNpgsql())
        {
            await keys.Database.ExecuteSqlRawAsync("VACUUM FULL \"UserDataKeys\"", cancellationToken);
            return;
        }
        await CheckpointAsync(keys, cancellationToken);
    }
}
