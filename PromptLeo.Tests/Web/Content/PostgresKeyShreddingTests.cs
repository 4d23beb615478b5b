using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;

namespace PromptLeo.Tests.Web.Content;

/// <summary>PostgreSQL has no secure_delete: a shredded key must still leave the key table's pages (docs/operations.md, "PostgreSQL").</summary>
public sealed class PostgresKeyShreddingTests(PostgresPortal portal) : IClassFixture<PostgresPortal>
{
    [Fact]
    public async Task ShredKey_OnPostgres_LeavesNoCopyInTheKeyTablePages()
    {
        var cipher = portal.Services.GetRequiredService<UserContentCipher>();
        var userId = await CreateUserAsync();
        await cipher.EncryptStringAsync(userId, ContentPurpose.Message, "creates the key");
        var wrapped = Assert.IsType<byte[]>(await WrappedKeyAsync(userId));
        Assert.True(Contains(await KeyTablePagesAsync(), wrapped), "the page scan must find the live key, or it proves nothing");

        await cipher.ShredKeyAsync(userId);

        Assert.Null(await WrappedKeyAsync(userId));
        // Without the rewrite the deleted row stays in its page as a dead tuple until vacuumed and overwritten.
        Assert.False(Contains(await KeyTablePagesAsync(), wrapped));
    }

    private async Task<string> CreateUserAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var email = $"shred-{Guid.NewGuid():N}@promptleo.test";
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
        Assert.True((await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().CreateAsync(user, "Shred-Passw0rd!")).Succeeded);
        return user.Id;
    }

    private async Task<byte[]?> WrappedKeyAsync(string userId)
    {
        await using var connection = new NpgsqlConnection(portal.Postgres!.KeyConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT \"WrappedKey\" FROM \"UserDataKeys\" WHERE \"UserId\" = @id", connection);
        command.Parameters.AddWithValue("id", userId);
        return (byte[]?)await command.ExecuteScalarAsync();
    }

    /// <summary>Every page of the table's current file, raw (pageinspect), dead tuples included.</summary>
    private async Task<byte[]> KeyTablePagesAsync()
    {
        await using var connection = new NpgsqlConnection(portal.Postgres!.KeyConnectionString);
        await connection.OpenAsync();
        await using (var extension = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pageinspect", connection))
        {
            await extension.ExecuteNonQueryAsync();
        }
        await using var command = new NpgsqlCommand(
            "SELECT string_agg(get_raw_page('\"UserDataKeys\"', n::int), ''::bytea ORDER BY n) FROM generate_series(0, pg_relation_size('\"UserDataKeys\"') / 8192 - 1) AS n",
            connection);
        return await command.ExecuteScalarAsync() as byte[] ?? [];
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
