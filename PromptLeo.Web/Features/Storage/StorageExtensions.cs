using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Storage;

public static class StorageExtensions
{
    /// <summary>Data folder, SQLite database (WAL) and the Data Protection key ring inside it.</summary>
    public static IHostApplicationBuilder AddPromptLeoStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName);
        builder.Services.AddSingleton(sp =>
        {
            var paths = DataPaths.From(sp.GetRequiredService<IOptions<StorageOptions>>().Value, sp.GetRequiredService<IHostEnvironment>());
            paths.EnsureCreated();
            return paths;
        });

        // The factory serves Blazor circuits and singletons; it also registers the scoped context Identity uses.
        builder.Services.AddDbContextFactory<AppDbContext>((sp, options) =>
        {
            var configured = sp.GetRequiredService<IConfiguration>().GetConnectionString("DefaultConnection");
            var connectionString = string.IsNullOrWhiteSpace(configured)
                ? new SqliteConnectionStringBuilder { DataSource = sp.GetRequiredService<DataPaths>().Database, Pooling = true }.ToString()
                : configured;
            // Features contribute EF interceptors through DI (e.g. privacy defaults for new accounts).
            options.UseSqlite(connectionString)
                .AddInterceptors(new SqliteSecureDeleteInterceptor())
                .AddInterceptors(sp.GetServices<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>());
        });
        builder.Services.AddDatabaseDeveloperPageExceptionFilter();

        builder.Services.AddDataProtection().SetApplicationName("PromptLeo");
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<DataPaths, ILoggerFactory>((options, paths, loggers) =>
                options.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(paths.Keys), loggers));

        builder.Services.AddHealthChecks()
            .AddDbContextCheck<AppDbContext>("database", tags: ["ready"]);
        return builder;
    }

    /// <summary>Applies migrations and switches the SQLite file to WAL mode.</summary>
    public static async Task InitializeDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // WAL lets readers proceed while a writer commits; the mode is stored in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }
}
