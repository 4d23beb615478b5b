using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Tests.Web.Content;

public abstract class UserContentCipherTests<TPortal>(TPortal factory) : IClassFixture<TPortal>
    where TPortal : PortalFactory
{
    private async Task<string> CreateUserAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var email = $"cipher-{Guid.NewGuid():N}@promptleo.test";
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
        Assert.True((await users.CreateAsync(user, "Cipher-Passw0rd!")).Succeeded);
        return user.Id;
    }

    [Fact]
    public async Task Encrypt_RoundTrip_ReturnsPlaintextAndStoresNoClearText()
    {
        var cipher = factory.Services.GetRequiredService<UserContentCipher>();
        var userId = await CreateUserAsync();
        const string secret = "Quarterly numbers for Müller GmbH: 4711";

        var blob = await cipher.EncryptStringAsync(userId, ContentPurpose.Message, secret);

        Assert.DoesNotContain(secret, Encoding.UTF8.GetString(blob));
        Assert.Equal(secret, await cipher.DecryptStringAsync(userId, ContentPurpose.Message, blob));
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DataKeyDbContext>>().CreateDbContextAsync();
        var row = await db.UserDataKeys.SingleAsync(k => k.UserId == userId);
        Assert.NotEqual(32, row.WrappedKey.Length); // wrapped by Data Protection, never the raw key
        // The key lives apart from the content: <data>/keys/datakeys.db on SQLite, the separate key database on PostgreSQL.
        if (factory.Postgres is { } postgres)
        {
            Assert.Equal(postgres.Keys, new Npgsql.NpgsqlConnectionStringBuilder(db.Database.GetConnectionString()).Database);
        }
        else
        {
            Assert.Equal(Path.Combine(factory.DataDirectory, "keys", "datakeys.db"), new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource);
        }
    }

    [Fact]
    public async Task Decrypt_OtherUsersOrOtherPurpose_Fails()
    {
        var cipher = factory.Services.GetRequiredService<UserContentCipher>();
        var alice = await CreateUserAsync();
        var bob = await CreateUserAsync();
        var blob = await cipher.EncryptStringAsync(alice, ContentPurpose.Message, "hello");
        await cipher.EncryptStringAsync(bob, ContentPurpose.Message, "creates bob's key");

        await Assert.ThrowsAsync<ContentUnavailableException>(async () => await cipher.DecryptStringAsync(bob, ContentPurpose.Message, blob));
        await Assert.ThrowsAsync<ContentUnavailableException>(async () => await cipher.DecryptStringAsync(alice, ContentPurpose.ConversationTitle, blob));
    }

    [Fact]
    public async Task Decrypt_Tampered_FailsIntegrityCheck()
    {
        var cipher = factory.Services.GetRequiredService<UserContentCipher>();
        var userId = await CreateUserAsync();
        var blob = await cipher.EncryptStringAsync(userId, ContentPurpose.Message, "original");
        blob[^1] ^= 0x01;

        var ex = await Assert.ThrowsAsync<ContentUnavailableException>(async () => await cipher.DecryptStringAsync(userId, ContentPurpose.Message, blob));
        Assert.Contains("integrity", ex.Message);
    }

    [Fact]
    public async Task ShredKey_MakesEarlierCiphertextUnreadable()
    {
        var cipher = factory.Services.GetRequiredService<UserContentCipher>();
        var userId = await CreateUserAsync();
        var blob = await cipher.EncryptStringAsync(userId, ContentPurpose.Message, "backup copy");

        await cipher.ShredKeyAsync(userId);

        await Assert.ThrowsAsync<ContentUnavailableException>(async () => await cipher.DecryptStringAsync(userId, ContentPurpose.Message, blob));
    }

    [Fact]
    public async Task FileStore_WritesEncryptedFileOutsideWwwroot_AndRejectsTraversal()
    {
        var store = factory.Services.GetRequiredService<EncryptedFileStore>();
        var userId = await CreateUserAsync();
        var png = Encoding.ASCII.GetBytes("\x89PNG fake image bytes");

        await store.WriteAsync(userId, "a.png.enc", ContentPurpose.ImageFile, png);

        var path = Path.Combine(factory.DataDirectory, "files", userId, "a.png.enc");
        Assert.True(File.Exists(path));
        Assert.DoesNotContain("PNG fake", Encoding.ASCII.GetString(await File.ReadAllBytesAsync(path)));
        Assert.Equal(png, await store.ReadAsync(userId, "a.png.enc", ContentPurpose.ImageFile));
        Assert.Throws<ArgumentException>(() => store.Delete(userId, "../other.enc"));
        Assert.Equal(1, store.DeleteAll(userId));
        Assert.Null(await store.ReadAsync(userId, "a.png.enc", ContentPurpose.ImageFile));
    }

    [Fact]
    public void ProcessingRecord_IsStampedWithRegionLegalBasisAndRetention()
    {
        var writer = factory.Services.GetRequiredService<ProcessingRecordWriter>();
        var requestId = ProcessingRecordWriter.NewRequestId();

        var record = writer.Create(requestId, "user-1", ProcessingPurpose.Chat, "demo-chat", "portal");

        Assert.Equal("DE", record.Region);
        Assert.Equal("Art. 6(1)(b) GDPR", record.LegalBasis);
        Assert.False(string.IsNullOrEmpty(record.Node));
        Assert.Contains("prompt text", record.DataCategories);
        Assert.Equal(1095, (record.RetentionUntil - record.At).TotalDays, precision: 3);
        Assert.Matches("^req_[0-9a-f]{32}$", requestId);
    }
}

public sealed class UserContentCipherTests(PortalFactory factory) : UserContentCipherTests<PortalFactory>(factory);

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class UserContentCipherPostgresTests(PostgresPortal factory) : UserContentCipherTests<PostgresPortal>(factory);
