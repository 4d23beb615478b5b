using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Privacy;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;

namespace PromptLeo.Tests.Web.Content;

public class DataKeyStoreTests
{
    [Fact]
    public async Task Upgrade_KeysInTheContentDatabase_AreMovedToTheKeyStoreAtStart()
    {
        SeededUser user;
        string dataDirectory;
        byte[] wrapped;
        using (var first = new PortalFactory { KeepDataOnDispose = true })
        {
            dataDirectory = first.DataDirectory;
            user = await PrivacySeed.CreateAsync(first);
            await using var keys = await first.Services.GetRequiredService<IDbContextFactory<DataKeyDbContext>>().CreateDbContextAsync();
            wrapped = (await keys.UserDataKeys.SingleAsync(k => k.UserId == user.Id)).WrappedKey;
            await keys.UserDataKeys.ExecuteDeleteAsync();
        }
        SqliteConnection.ClearAllPools();

        // Put the database back into the shape of an installation from before the key store existed.
        await using (var legacy = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "promptleo.db")}"))
        {
            await legacy.OpenAsync();
            await using var command = legacy.CreateCommand();
            command.CommandText = """
                CREATE TABLE "UserDataKeys" ("UserId" TEXT NOT NULL PRIMARY KEY, "CreatedAt" INTEGER NOT NULL, "WrappedKey" BLOB NOT NULL);
                INSERT INTO "UserDataKeys" ("UserId", "CreatedAt", "WrappedKey") VALUES ($id, 0, $key);
                DELETE FROM "__EFMigrationsHistory" WHERE "MigrationId" LIKE '%_MoveDataKeysToKeyStore';
                """;
            command.Parameters.AddWithValue("$id", user.Id);
            command.Parameters.AddWithValue("$key", wrapped);
            await command.ExecuteNonQueryAsync();
        }
        SqliteConnection.ClearAllPools();

        using var upgraded = new ExistingDataPortal(dataDirectory);
        await using var db = await upgraded.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var title = (await db.Conversations.SingleAsync(c => c.Id == user.ConversationId)).TitleCipher;
        // The content written before the upgrade still decrypts with the moved key.
        Assert.Equal("Title " + user.Secret, await upgraded.Services.GetRequiredService<UserContentCipher>().DecryptStringAsync(user.Id, ContentPurpose.ConversationTitle, title));
        await using var keyDb = await upgraded.Services.GetRequiredService<IDbContextFactory<DataKeyDbContext>>().CreateDbContextAsync();
        Assert.Equal(wrapped, (await keyDb.UserDataKeys.SingleAsync(k => k.UserId == user.Id)).WrappedKey);
        var legacyTables = await db.Database.SqlQueryRaw<long>("SELECT count(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = 'UserDataKeys'").SingleAsync();
        Assert.Equal(0, legacyTables);
    }
}
