using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Storage;

/// <summary>docs/operations.md, "PostgreSQL": separate dumps of content and keys, restore, ledger replay, several nodes.</summary>
public sealed class PostgresBackupTests
{
    [Fact]
    public async Task DumpAndRestore_ContentAndKeysApart_ContentDumpHoldsNoKeyAndTheRestoreErasesAgain()
    {
        using var portal = new PostgresPortal();
        var cipher = portal.Services.GetRequiredService<UserContentCipher>();
        var kept = await CreateUserAsync(portal);
        var erased = await CreateUserAsync(portal);
        var keptBlob = await cipher.EncryptStringAsync(kept, ContentPurpose.Message, "kept note");
        await cipher.EncryptStringAsync(erased, ContentPurpose.Message, "erased note");
        string erasedKey;
        await using (var keys = await portal.Services.GetRequiredService<IDbContextFactory<DataKeyDbContext>>().CreateDbContextAsync())
        {
            erasedKey = Convert.ToHexString((await keys.UserDataKeys.SingleAsync(k => k.UserId == erased)).WrappedKey).ToLowerInvariant();
        }
        var folder = Directory.CreateTempSubdirectory("promptleo-pgdump-").FullName;
        var restored = PostgresDatabases.Create();
        try
        {
            // Uncompressed so that the test can read them; bytea is dumped as hex.
            var contentDump = Path.Combine(folder, "content.dump");
            var keysDump = Path.Combine(folder, "keys.dump");
            PostgresServer.RunClient("pg_dump", portal.Postgres!.Content, "-Fc", "-Z0", "-f", contentDump);
            PostgresServer.RunClient("pg_dump", portal.Postgres.Keys, "-Fc", "-Z0", "-f", keysDump);
            Assert.Contains(erasedKey, Encoding.ASCII.GetString(await File.ReadAllBytesAsync(keysDump)));
            Assert.DoesNotContain(erasedKey, Encoding.ASCII.GetString(await File.ReadAllBytesAsync(contentDump)));

            // Erased after the backups were taken: the restore brings the account and its key back.
            await portal.Services.GetRequiredService<AccountEraser>().EraseAsync(erased, erased);
            PostgresServer.RunClient("pg_restore", restored.Content, "--no-owner", contentDump);
            PostgresServer.RunClient("pg_restore", restored.Keys, "--no-owner", keysDump);

            using var node = PostgresPortal.On(portal.DataDirectory, restored);
            node.KeepDataOnDispose = true;
            Assert.Equal("kept note", await node.Services.GetRequiredService<UserContentCipher>().DecryptStringAsync(kept, ContentPurpose.Message, keptBlob));
            await using var db = await node.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            await using var restoredKeys = await node.Services.GetRequiredService<IDbContextFactory<DataKeyDbContext>>().CreateDbContextAsync();
            Assert.False(await db.Users.AnyAsync(u => u.Id == erased));
            Assert.False(await restoredKeys.UserDataKeys.AnyAsync(k => k.UserId == erased));
            Assert.True(await db.Users.AnyAsync(u => u.Id == kept));
        }
        finally
        {
            restored.Drop();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Start_TwoNodesAtOnceOnEmptyDatabases_BothMigrateAndServe()
    {
        using var first = new PostgresPortal();
        // Each node has its own data folder, as on separate machines; the databases are shared.
        var secondFolder = Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N"));
        try
        {
            using var second = PostgresPortal.On(secondFolder, first.Postgres!);
            second.KeepDataOnDispose = true;

            await Task.WhenAll(Task.Run(() => first.Services), Task.Run(() => second.Services));

            foreach (var node in new PortalFactory[] { first, second })
            {
                await using var db = await node.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
                Assert.Empty(await db.Database.GetPendingMigrationsAsync());
                Assert.Equal(1, await db.Users.CountAsync(u => u.Email == PortalFactory.AdminEmail));
                Assert.Equal(System.Net.HttpStatusCode.OK, (await node.CreateClient().GetAsync("/health/ready")).StatusCode);
            }
        }
        finally
        {
            Directory.Delete(secondFolder, recursive: true);
        }
    }

    private static async Task<string> CreateUserAsync(PortalFactory portal)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var email = $"backup-{Guid.NewGuid():N}@promptleo.test";
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
        Assert.True((await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().CreateAsync(user, "Backup-Passw0rd!")).Succeeded);
        return user.Id;
    }
}
