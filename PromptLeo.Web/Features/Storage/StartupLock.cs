using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Storage;

/// <summary>
/// Serialises a start-up step (seeding) across the nodes that start at once on one PostgreSQL database: a session
/// advisory lock, held until disposed. On SQLite there is one node, so it takes nothing.
/// </summary>
public sealed class StartupLock : IAsyncDisposable
{
    private readonly AppDbContext? db;
    private readonly string name;

    private StartupLock(AppDbContext? db, string name)
    {
        this.db = db;
        this.name = name;
    }

    public static async Task<StartupLock> AcquireAsync(IServiceProvider services, string name, CancellationToken cancellationToken = default)
    {
        var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(cancellationToken);
        if (!db.Database.IsNpgsql())
        {
            await db.DisposeAsync();
            return new StartupLock(null, name);
        }
        try
        {
            // Waits as long as another node's migration takes (Npgsql's default command timeout is 30 s).
            db.Database.SetCommandTimeout(TimeSpan.Zero);
            await db.Database.OpenConnectionAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_lock(hashtext({0}))", [name], cancellationToken);
            return new StartupLock(db, name);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (db is null)
        {
            return;
        }
        try
        {
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_unlock(hashtext({0}))", name);
        }
        finally
        {
            // Closing the session releases a session lock anyway.
            await db.DisposeAsync();
        }
    }
}
