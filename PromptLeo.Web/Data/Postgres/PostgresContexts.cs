using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace PromptLeo.Web.Data.Postgres;

// EF Core's "multiple context types" pattern for several providers: each derived type owns the migrations of its provider
// (Data/Postgres/Migrations, Data/Postgres/KeyStoreMigrations), while the SQLite migrations stay on the base types.

/// <summary>The content database on PostgreSQL: the model of <see cref="AppDbContext"/> with its own migrations.</summary>
public sealed class PostgresAppDbContext(DbContextOptions<AppDbContext> options) : AppDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // PostgreSQL folds unquoted identifiers to lower case; the filters name the column exactly.
        builder.Entity<ModelPrice>(e =>
        {
            e.HasIndex(p => new { p.ModelId, p.Version }).IsUnique().HasFilter("\"OrganizationId\" IS NULL");
            e.HasIndex(p => new { p.OrganizationId, p.ModelId, p.Version }).IsUnique().HasFilter("\"OrganizationId\" IS NOT NULL");
        });
    }
}

/// <summary>The key database on PostgreSQL: the model of <see cref="DataKeyDbContext"/> with its own migrations.</summary>
public sealed class PostgresDataKeyDbContext(DbContextOptions<DataKeyDbContext> options) : DataKeyDbContext(options);

/// <summary>For <c>dotnet ef migrations add … --context PostgresAppDbContext</c>: the model needs the provider, not a server.</summary>
public sealed class PostgresAppDbContextDesignFactory : IDesignTimeDbContextFactory<PostgresAppDbContext>
{
    public PostgresAppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(DesignTime.Connection).UseApplicationServiceProvider(DesignTime.IdentityServices()).Options);
}

/// <summary>For <c>dotnet ef migrations add … --context PostgresDataKeyDbContext</c>.</summary>
public sealed class PostgresDataKeyDbContextDesignFactory : IDesignTimeDbContextFactory<PostgresDataKeyDbContext>
{
    public PostgresDataKeyDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<DataKeyDbContext>().UseNpgsql(DesignTime.Connection).Options);
}

internal static class DesignTime
{
    // Never opened: adding a migration only compares models.
    public const string Connection = "Host=localhost;Database=promptleo_design";

    /// <summary>Identity shapes its tables from its store options, which the app sets from <see cref="AppDbContext.IdentitySchema"/>.</summary>
    public static IServiceProvider IdentityServices()
    {
        var services = new ServiceCollection();
        services.AddIdentityCore<ApplicationUser>(options => options.Stores.SchemaVersion = AppDbContext.IdentitySchema);
        return services.BuildServiceProvider();
    }
}
