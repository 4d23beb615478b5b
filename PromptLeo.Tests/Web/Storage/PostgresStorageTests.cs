using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Data.Postgres;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Tests.Web.Storage;

/// <summary>The portal on an empty PostgreSQL server: both contexts migrate, each into its own database.</summary>
public sealed class PostgresStorageTests(PostgresPortal portal) : IClassFixture<PostgresPortal>
{
    [Fact]
    public async Task Start_OnEmptyPostgres_AppliesEveryMigrationOfBothContextsAndLeavesNoModelChange()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var content = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var keys = scope.ServiceProvider.GetRequiredService<DataKeyDbContext>();
        Assert.IsType<PostgresAppDbContext>(content);
        Assert.IsType<PostgresDataKeyDbContext>(keys);
        foreach (var db in new DbContext[] { content, keys })
        {
            Assert.True(db.Database.IsNpgsql());
            Assert.NotEmpty(db.Database.GetMigrations());
            Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
            // A model change without its PostgreSQL migration (see docs/operations.md, "PostgreSQL") fails here.
            Assert.False(db.Database.HasPendingModelChanges(), $"{db.GetType().Name} has model changes without a migration.");
        }
        Assert.DoesNotContain(content.Database.GetMigrations(), m => keys.Database.GetMigrations().Contains(m));
    }

    [Fact]
    public async Task Start_OnPostgres_KeepsDataKeysOutOfTheContentDatabase()
    {
        Assert.Equal(["UserDataKeys"], await TablesAsync(portal.Postgres!.KeyConnectionString));
        var contentTables = await TablesAsync(portal.Postgres.ContentConnectionString);
        Assert.Contains("AspNetUsers", contentTables);
        Assert.DoesNotContain("UserDataKeys", contentTables);
    }

    [Fact]
    public async Task Factory_OnPostgres_CreatesTheProviderTypes()
    {
        await using var content = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        await using var keys = await portal.Services.GetRequiredService<IDbContextFactory<DataKeyDbContext>>().CreateDbContextAsync();
        Assert.IsType<PostgresAppDbContext>(content);
        Assert.IsType<PostgresDataKeyDbContext>(keys);
        Assert.True(await content.Users.AnyAsync(u => u.Email == PortalFactory.AdminEmail));
    }

    private static async Task<List<string>> TablesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '__EFMigrationsHistory' ORDER BY table_name", connection);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }
        return tables;
    }
}

public sealed class DatabaseOptionsTests
{
    private const string Content = "Host=db.example;Database=promptleo";

    [Fact]
    public void Validate_SqliteWithoutConnectionStrings_Passes() =>
        Assert.Empty(Errors(new DatabaseOptions()));

    [Fact]
    public void Validate_PostgresWithoutKeyConnection_NamesBothSettings() =>
        Assert.Contains("ConnectionStrings:DataKeys", Assert.Single(Errors(new DatabaseOptions { Provider = DatabaseProvider.Postgres, ContentConnection = Content })));

    [Fact]
    public void Validate_PostgresKeysInTheContentDatabase_Refused() =>
        Assert.Contains("different PostgreSQL database", Assert.Single(Errors(new DatabaseOptions
        {
            Provider = DatabaseProvider.Postgres,
            ContentConnection = Content,
            KeyConnection = "Host=DB.example;Database=promptleo;Username=keys",
        })));

    [Theory]
    [InlineData("Host=db.example;Database=promptleo_keys")]
    [InlineData("Host=keys.example;Database=promptleo")]
    public void Validate_PostgresKeysInAnotherDatabaseOrServer_Passes(string keys) =>
        Assert.Empty(Errors(new DatabaseOptions { Provider = DatabaseProvider.Postgres, ContentConnection = Content, KeyConnection = keys }));

    [Fact]
    public void Validate_MalformedConnectionString_Refused() =>
        Assert.Contains("malformed", Assert.Single(Errors(new DatabaseOptions { Provider = DatabaseProvider.Postgres, ContentConnection = Content, KeyConnection = "Nonsense=1" })));

    private static List<string> Errors(DatabaseOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage!).ToList();
    }
}
