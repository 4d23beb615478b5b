using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Cluster;

namespace PromptLeo.Web.Features.Storage;

public static class StorageExtensions
{
    /// <summary>Data folder, SQLite database (WAL) and the Data Protection key ring inside it.</summary>
    public static IHostApplicationBuilder AddPromptLeoStorage(this IHostApplicationBuilder builder)
    {
        DataFolderPermissions.RestrictNewFiles();
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName);
        builder.Services.AddSingleton(sp =>
        {
            var paths = DataPaths.From(sp.GetRequiredService<IOptions<StorageOptions>>().Value, sp.GetRequiredService<IHostEnvironment>());
            paths.EnsureCreated(sp.GetRequiredService<ILogger<DataPaths>>());
            return paths;
        });

        builder.Services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.SectionName)
            .Configure<IConfiguration>((options, configuration) =>
            {
                options.ContentConnection = configuration.GetConnectionString("DefaultConnection");
                options.KeyConnection = configuration.GetConnectionString("DataKeys");
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // The factory serves Blazor circuits and singletons; the scoped context Identity uses comes from it too, so that
        // on PostgreSQL both are the provider's derived type (with its own migrations).
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext());
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<DataKeyDbContext>>().CreateDbContext());
        builder.Services.AddDbContextFactory<AppDbContext, AppDbContextFactory>((sp, options) =>
        {
            var database = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            Use(options, database, database.ContentConnection, () => sp.GetRequiredService<DataPaths>().Database);
            // Features contribute EF interceptors through DI (e.g. privacy defaults for new accounts).
            options.AddInterceptors(sp.GetServices<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>());
        });
        // Data keys live in their own database so that backups of the content never need to contain them.
        builder.Services.AddDbContextFactory<DataKeyDbContext, DataKeyDbContextFactory>((sp, options) =>
        {
            var database = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            Use(options, database, database.KeyConnection, () => sp.GetRequiredService<DataPaths>().DataKeys);
        });
        builder.Services.AddDatabaseDeveloperPageExceptionFilter();

        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("PromptLeo");
        // Data Protection takes the certificate while services are registered, so the section is bound here once.
        var storage = builder.Configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        var keyRingCertificate = KeyRingProtection.LoadCertificate(storage, DataPaths.From(storage, builder.Environment), builder.Environment.ContentRootPath);
        if (keyRingCertificate is not null)
        {
            dataProtection.ProtectKeysWithCertificate(keyRingCertificate);
        }
        builder.Services.AddSingleton(sp => new KeyRingProtection(
            keyRingCertificate, sp.GetRequiredService<DataPaths>(), sp.GetRequiredService<IHostEnvironment>(), sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository));
        // One node keeps the key ring in <data>/keys; several share it in Redis (cookies and antiforgery tokens of one
        // node open on every other), encrypted with the same certificate.
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<DataPaths, ILoggerFactory, ClusterRedis>((options, paths, loggers, redis) =>
                options.XmlRepository = redis.Connection is { } connection
                    ? new RedisXmlRepository(() => connection.GetDatabase(), redis.Name("dataprotection-keys"))
                    : new FileSystemXmlRepository(new DirectoryInfo(paths.Keys), loggers));

        builder.Services.AddHealthChecks()
            .AddDbContextCheck<AppDbContext>("database", tags: ["ready"])
            .AddDbContextCheck<DataKeyDbContext>("data-keys", tags: ["ready"]);
        return builder;
    }

    private static void Use(DbContextOptionsBuilder options, DatabaseOptions database, string? configured, Func<string> sqliteFile)
    {
        if (database.Provider == DatabaseProvider.Postgres)
        {
            options.UseNpgsql(configured);
            return;
        }
        var connectionString = string.IsNullOrWhiteSpace(configured)
            ? new SqliteConnectionStringBuilder { DataSource = sqliteFile(), Pooling = true }.ToString()
            : configured;
        options.UseSqlite(connectionString).AddInterceptors(new SqliteSecureDeleteInterceptor());
    }

    /// <summary>
    /// Protects the key ring (or warns), applies migrations to the content and key databases, replays erasures a restore
    /// brought back (<see cref="IRestoreReplay"/>) and switches the SQLite files to WAL mode.
    /// </summary>
    public static async Task InitializeDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        services.GetRequiredService<KeyRingProtection>().Apply();
        await using var scope = services.CreateAsyncScope();
        var keys = scope.ServiceProvider.GetRequiredService<DataKeyDbContext>();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        // Nodes starting at once on one PostgreSQL server migrate one after the other: EF's own migration lock is taken per
        // migration transaction there, and a second node re-ran a migration the first had just applied ("column already exists").
        await using (await StartupLock.AcquireAsync(services, "promptleo:migrate", cancellationToken))
        {
            await keys.Database.MigrateAsync(cancellationToken);
            await MoveLegacyDataKeysAsync(db, keys, cancellationToken);
            await db.Database.MigrateAsync(cancellationToken);
        }
        // Accounts erased after a restored backup was taken go again before anything reads or serves the data.
        if (scope.ServiceProvider.GetService<IRestoreReplay>() is { } replay)
        {
            await replay.RunAsync(cancellationToken);
        }
        await EnsureKeysMatchContentAsync(db, keys, cancellationToken);
        foreach (var database in new DbContext[] { db, keys })
        {
            if (database.Database.IsSqlite())
            {
                // WAL lets readers proceed while a writer commits; the mode is stored in the file.
                await database.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }
        }
    }

    /// <summary>
    /// Installations from before the separate key store kept the data keys in the content database; copy them over
    /// before the migration that drops that table runs.
    /// </summary>
    private static async Task MoveLegacyDataKeysAsync(AppDbContext db, DataKeyDbContext keys, CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite())
        {
            return;
        }
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await connection.OpenAsync(cancellationToken);
        try
        {
            await using (var exists = connection.CreateCommand())
            {
                exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'UserDataKeys'";
                if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken)) == 0)
                {
                    return;
                }
            }
            var legacy = 0;
            await using (var read = connection.CreateCommand())
            {
                read.CommandText = "SELECT UserId, WrappedKey FROM UserDataKeys";
                await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    legacy++;
                    var userId = reader.GetString(0);
                    if (!await keys.UserDataKeys.AnyAsync(k => k.UserId == userId, cancellationToken))
                    {
                        keys.UserDataKeys.Add(new UserDataKey { UserId = userId, WrappedKey = (byte[])reader.GetValue(1) });
                    }
                }
            }
            await keys.SaveChangesAsync(cancellationToken);
            // The next migration drops the old table: only go on when every key arrived.
            if (await keys.UserDataKeys.CountAsync(cancellationToken) < legacy)
            {
                throw new InvalidOperationException("Moving the data keys to the key database failed; the content database was left unchanged.");
            }
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    /// <summary>
    /// Refuses to start when content exists but the key database holds no keys at all: a misplaced key database
    /// (ConnectionStrings:DataKeys, a restored content backup without its keys) would otherwise mint new keys and every
    /// earlier item would fail its integrity check.
    /// </summary>
    private static async Task EnsureKeysMatchContentAsync(AppDbContext db, DataKeyDbContext keys, CancellationToken cancellationToken)
    {
        if (await keys.UserDataKeys.AnyAsync(cancellationToken))
        {
            return;
        }
        if (await db.Conversations.AnyAsync(cancellationToken) || await db.GeneratedImages.AnyAsync(cancellationToken) || await db.ChatPresets.AnyAsync(cancellationToken))
        {
            throw new InvalidOperationException(
                "The key database is empty but encrypted content exists. Check ConnectionStrings:DataKeys or restore <data>/keys from its key backup (see docs/operations.md, \"Backup and restore\").");
        }
    }
}

/// <summary>Runs at start after the migrations, before anything serves the data: undoes what a restored backup brought back.</summary>
public interface IRestoreReplay
{
    Task RunAsync(CancellationToken cancellationToken);
}
