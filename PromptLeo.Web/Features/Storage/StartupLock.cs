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
        await db.Database.OpenConnectionAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_lock(hashtext({0}))", [name], cancellationToken);
        return new StartupLock(db, name);
    }

    public async ValueTask DisposeAsync()
    {
        if (db is null)
        {
            return;
        }
        await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_unlock(hashtext({0}))", name);
        await db.DisposeAsync();
    }
}
