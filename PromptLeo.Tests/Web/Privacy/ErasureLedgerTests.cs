using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Privacy;

/// <summary>The portal on a given data folder with the erasure ledger at a path of its own, outside that folder.</summary>
public sealed class LedgerPortal(string dataDirectory, string? ledgerPath) : PortalFactory(dataDirectory)
{
    public CapturingLoggerProvider Logs { get; } = new();

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Logs));
    }

    protected override IDictionary<string, string?> ExtraSettings =>
        ledgerPath is null ? new Dictionary<string, string?>() : new Dictionary<string, string?> { ["Storage:ErasureLedgerPath"] = ledgerPath };

    /// <summary>Starts the portal (and with it the ledger replay) and stops it again, keeping the data.</summary>
    public static async Task<LedgerPortal> RunAsync(string dataDirectory, string? ledgerPath, Func<LedgerPortal, Task> action)
    {
        var portal = new LedgerPortal(dataDirectory, ledgerPath) { KeepDataOnDispose = true };
        using (portal)
        {
            await action(portal);
        }
        SqliteConnection.ClearAllPools();
        return portal;
    }

    public static void CopyFolder(string from, string to)
    {
        SqliteConnection.ClearAllPools();
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)), overwrite: true);
        }
    }

    public static void RestoreFolder(string backup, string target)
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(target, recursive: true);
        CopyFolder(backup, target);
    }
}

/// <summary>
/// The issue's scenario, once for the class: user A (chat, preset, image) and user K; a plain copy of the whole data
/// folder (content and keys) is the backup; A is erased; the old copy is restored; the portal starts on it with the
/// ledger kept at its own path.
/// </summary>
public sealed class RestoredBackupScenario : IAsyncLifetime
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "promptleo-tests", "ledger-" + Guid.NewGuid().ToString("N"));
    public string Data => Path.Combine(Root, "data");
    public string Backup => Path.Combine(Root, "backup");
    public string LedgerPath => Path.Combine(Root, "ledger", "erasure-ledger.txt");
    public SeededUser Erased { get; private set; } = null!;
    public SeededUser Kept { get; private set; } = null!;
    public byte[] ErasedMessageCipher { get; private set; } = [];
    public LedgerPortal Restored { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await LedgerPortal.RunAsync(Data, LedgerPath, async portal =>
        {
            Erased = await PrivacySeed.CreateAsync(portal);
            Kept = await PrivacySeed.CreateAsync(portal);
            await using var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            ErasedMessageCipher = (await db.ConversationMessages.FirstAsync(m => m.ConversationId == Erased.ConversationId)).ContentCipher;
        });
        LedgerPortal.CopyFolder(Data, Backup);
        await LedgerPortal.RunAsync(Data, LedgerPath, portal => portal.Services.GetRequiredService<AccountEraser>().EraseAsync(Erased.Id, Erased.Id));
        LedgerPortal.RestoreFolder(Backup, Data);
        Assert.True(Directory.Exists(Path.Combine(Data, "files", Erased.Id)), "the restored copy holds the erased user's files");

        Restored = new LedgerPortal(Data, LedgerPath) { KeepDataOnDispose = true };
        _ = Restored.Services; // starts the app; InitializeDatabaseAsync replays the ledger before the host listens
    }

    public Task DisposeAsync()
    {
        Restored.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner.
        }
        return Task.CompletedTask;
    }
}

public sealed class ErasureLedgerRestoreTests(RestoredBackupScenario scenario) : IClassFixture<RestoredBackupScenario>
{
    private IServiceProvider Services => scenario.Restored.Services;

    [Fact]
    public async Task Restore_OldCopyOfTheDataFolder_ErasedAccountIsGoneBeforeThePortalServes()
    {
        var erased = scenario.Erased;
        // No waiting: Services returned only after Program's start-up steps, before Kestrel accepted a request.
        await using (var db = await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            Assert.False(await db.Users.AnyAsync(u => u.Id == erased.Id));
            Assert.False(await db.Conversations.AnyAsync(c => c.UserId == erased.Id));
            Assert.False(await db.ConversationMessages.AnyAsync(m => m.ConversationId == erased.ConversationId));
            Assert.False(await db.ChatPresets.AnyAsync(p => p.UserId == erased.Id));
            Assert.False(await db.GeneratedImages.AnyAsync(i => i.UserId == erased.Id));
            Assert.False(await db.ProcessingRecords.AnyAsync(r => r.SubjectId == erased.Id));
            // The replay's own erasure: the backup predates the first, so any completed job and audit entry are new.
            Assert.True(await db.ErasureJobs.AnyAsync(j => j.Stage == ErasureStage.Completed));
            Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == AuditActions.ErasureCompleted));
        }
        await using (var keys = await Services.GetRequiredService<IDbContextFactory<DataKeyDbContext>>().CreateDbContextAsync())
        {
            Assert.False(await keys.UserDataKeys.AnyAsync(k => k.UserId == erased.Id));
        }
        Assert.False(Directory.Exists(Path.Combine(scenario.Data, "files", erased.Id)));

        var login = await PortalSession.LoginAsync(scenario.Restored.CreateBrowserLikeClient(), erased.Email, erased.Password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode); // the form again, with its error: no such account

        DataFolderScan.AssertAbsent(scenario.Data, erased.Email, erased.DisplayName, erased.Secret, erased.Email.ToUpperInvariant());

        // The log names counts only.
        Assert.Contains(scenario.Restored.Logs.Lines, l => l.Contains("Erasure ledger replay: 1 accounts, 0 data keys and 0 user folders"));
        Assert.DoesNotContain(scenario.Restored.Logs.Lines, l => l.Contains(erased.Id) || l.Contains(erased.Email));
        Assert.DoesNotContain(scenario.Restored.Logs.Lines, l => l.Contains("lies inside the data folder"));
    }

    [Fact]
    public async Task Restore_OldCopyOfTheDataFolder_NoRemainingKeyDecryptsTheErasedContent()
    {
        var erased = scenario.Erased;
        await Assert.ThrowsAsync<ContentUnavailableException>(async () =>
            await Services.GetRequiredService<UserContentCipher>().DecryptStringAsync(erased.Id, ContentPurpose.Message, scenario.ErasedMessageCipher));

        // Every data key left in the key store, unwrapped, is tried on the restored ciphertext.
        var unwrap = Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("PromptLeo.UserDataKey.v1");
        await using var keys = await Services.GetRequiredService<IDbContextFactory<DataKeyDbContext>>().CreateDbContextAsync();
        var remaining = await keys.UserDataKeys.ToListAsync();
        Assert.NotEmpty(remaining);
        Assert.All(remaining, row => Assert.Null(TryDecrypt(unwrap.Unprotect(row.WrappedKey), erased.Id, scenario.ErasedMessageCipher)));

        // The honest limit the certificate names: the key store copy from before the erasure still decrypts it.
        var oldRing = DataProtectionProvider.Create(new DirectoryInfo(Path.Combine(scenario.Backup, "keys")), b => b.SetApplicationName("PromptLeo"))
            .CreateProtector("PromptLeo.UserDataKey.v1");
        var oldKey = OldWrappedKey(erased.Id);
        Assert.Equal(erased.Secret, TryDecrypt(oldRing.Unprotect(oldKey), erased.Id, scenario.ErasedMessageCipher));
    }

    [Fact]
    public async Task Restore_OldCopyOfTheDataFolder_AccountNotErasedKeepsItsAccountAndContent()
    {
        var kept = scenario.Kept;
        await using var db = await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var title = (await db.Conversations.SingleAsync(c => c.Id == kept.ConversationId)).TitleCipher;
        Assert.Equal("Title " + kept.Secret, await Services.GetRequiredService<UserContentCipher>().DecryptStringAsync(kept.Id, ContentPurpose.ConversationTitle, title));
        Assert.True(Directory.Exists(Path.Combine(scenario.Data, "files", kept.Id)));
        var login = await PortalSession.LoginAsync(scenario.Restored.CreateBrowserLikeClient(), kept.Email, kept.Password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
    }

    [Fact]
    public async Task Replay_RunAgainAndAfterANewAccount_ErasesNothingMore()
    {
        var newcomer = await PrivacySeed.CreateAsync(scenario.Restored);
        var linesBefore = File.ReadAllLines(scenario.LedgerPath);

        var counts = await Services.GetRequiredService<ErasureLedgerReplay>().ReplayLedgerAsync();

        Assert.Equal(new ReplayCounts(0, 0, 0), counts);
        Assert.Equal(linesBefore, File.ReadAllLines(scenario.LedgerPath));
        await using var db = await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.True(await db.Users.AnyAsync(u => u.Id == newcomer.Id));
        var title = (await db.Conversations.SingleAsync(c => c.Id == newcomer.ConversationId)).TitleCipher;
        Assert.Equal("Title " + newcomer.Secret, await Services.GetRequiredService<UserContentCipher>().DecryptStringAsync(newcomer.Id, ContentPurpose.ConversationTitle, title));
    }

    [Fact]
    public void Ledger_AfterErasureAndReplay_HoldsOneEntryWithoutIdOrAddress()
    {
        var text = File.ReadAllText(scenario.LedgerPath);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^promptleo-erasure-ledger v1 [0-9a-f]{32} [A-Za-z0-9+/=]{44}$", lines[0]);
        // The original erasure and the replay's are the same account: one entry, time and a 256-bit hash only.
        var entry = Assert.Single(lines.Skip(1));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ [0-9a-f]{64}$", entry);
        var id = Guid.Parse(scenario.Erased.Id);
        foreach (var needle in new[] { id.ToString(), id.ToString("N"), scenario.Erased.Email, scenario.Erased.DisplayName })
        {
            Assert.DoesNotContain(needle, text, StringComparison.OrdinalIgnoreCase);
        }
        // The hash needs the ledger's own salt: a plain SHA-256 of the id is not what is stored.
        Assert.DoesNotContain(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scenario.Erased.Id))), text);
    }

    private byte[] OldWrappedKey(string userId)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(scenario.Backup, "keys", "datakeys.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT WrappedKey FROM UserDataKeys WHERE UserId = $id";
        command.Parameters.AddWithValue("$id", userId);
        return (byte[])command.ExecuteScalar()!;
    }

    /// <summary>The cipher's format (version | nonce | tag | ciphertext, owner and purpose as associated data), by hand.</summary>
    private static string? TryDecrypt(byte[] key, string userId, byte[] blob)
    {
        var plain = new byte[blob.Length - 29];
        try
        {
            using var aes = new AesGcm(key, 16);
            aes.Decrypt(blob.AsSpan(1, 12), blob.AsSpan(29), blob.AsSpan(13, 16), plain, Encoding.UTF8.GetBytes($"{userId}\n{ContentPurpose.Message}"));
            return Encoding.UTF8.GetString(plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }
}

/// <summary>The restore cases one by one, and the conditions: a ledger older than the data stops the start; one restored with the data cannot help.</summary>
public sealed class ErasureLedgerConditionTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "promptleo-tests", "ledger-" + Guid.NewGuid().ToString("N"));

    private string Data => Path.Combine(root, "data");
    private string Ledger => Path.Combine(root, "ledger", "erasure-ledger.txt");
    private string Copy => Path.Combine(root, "copy");
    private string Keys => Path.Combine(Data, "keys");

    /// <summary>Seeds a user, takes the backup, erases the user, restores; <paramref name="ledger"/> null keeps the default path.</summary>
    private async Task<SeededUser> EraseBetweenBackupAndRestoreAsync(string? ledger, Action backup, Action restore)
    {
        SeededUser user = null!;
        await LedgerPortal.RunAsync(Data, ledger, async portal => user = await PrivacySeed.CreateAsync(portal));
        backup();
        await LedgerPortal.RunAsync(Data, ledger, portal => portal.Services.GetRequiredService<AccountEraser>().EraseAsync(user.Id, user.Id));
        restore();
        return user;
    }

    [Fact]
    public async Task Start_LedgerOlderThanTheDataFolder_RefusesToStart()
    {
        byte[] oldLedger = [];
        await EraseBetweenBackupAndRestoreAsync(Ledger, () => oldLedger = File.ReadAllBytes(Ledger), () => File.WriteAllBytes(Ledger, oldLedger));

        using (var stale = new LedgerPortal(Data, Ledger) { KeepDataOnDispose = true })
        {
            var error = Assert.Throws<InvalidOperationException>(() => stale.Services);
            Assert.Contains("is older than this data folder", error.Message);
        }

        File.Delete(Ledger);
        using (var missing = new LedgerPortal(Data, Ledger) { KeepDataOnDispose = true })
        {
            var error = Assert.Throws<InvalidOperationException>(() => missing.Services);
            Assert.Contains("is missing", error.Message);
        }
    }

    [Fact]
    public async Task Restore_RealProcess_FirstAnsweredRequestFindsTheAccountErased()
    {
        var user = await EraseBetweenBackupAndRestoreAsync(Ledger, () => LedgerPortal.CopyFolder(Data, Copy), () => LedgerPortal.RestoreFolder(Copy, Data));

        // StartAsync returns at the first answered request (/health): by then the replay must be done.
        await using var portal = await PortalProcess.StartAsync(Data, new Dictionary<string, string> { ["Storage__ErasureLedgerPath"] = Ledger });
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(Data, "promptleo.db")};Mode=ReadOnly;Pooling=False"))
        {
            await db.OpenAsync();
            await using var count = db.CreateCommand();
            count.CommandText = "SELECT count(*) FROM AspNetUsers WHERE Id = $id";
            count.Parameters.AddWithValue("$id", user.Id);
            Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
        }
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = portal.Address };
        var login = await PortalSession.LoginAsync(browser, user.Email, user.Password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode); // the form again: no such account
    }

    [Fact]
    public async Task Restore_OldContentWithCurrentKeys_ErasesTheRestoredRowsAndFiles()
    {
        var currentKeys = Path.Combine(root, "current-keys");
        var user = await EraseBetweenBackupAndRestoreAsync(Ledger,
            () =>
            {
                LedgerPortal.CopyFolder(Data, Copy);
                Directory.Delete(Path.Combine(Copy, "keys"), recursive: true);
            },
            () =>
            {
                LedgerPortal.CopyFolder(Keys, currentKeys);
                LedgerPortal.RestoreFolder(Copy, Data);
                LedgerPortal.CopyFolder(currentKeys, Keys);
            });

        var restored = await LedgerPortal.RunAsync(Data, Ledger, async portal =>
        {
            await using var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            Assert.False(await db.Users.AnyAsync(u => u.Id == user.Id));
            Assert.False(await db.Conversations.AnyAsync(c => c.UserId == user.Id));
            Assert.False(await db.GeneratedImages.AnyAsync(i => i.UserId == user.Id));
        });
        Assert.False(Directory.Exists(Path.Combine(Data, "files", user.Id)));
        Assert.Contains(restored.Logs.Lines, l => l.Contains("Erasure ledger replay: 1 accounts, 0 data keys and 0 user folders"));
    }

    [Fact]
    public async Task Restore_OldKeysAndFilesWithoutTheDatabase_DeletesTheErasedAccountsKeyAndFolderAgain()
    {
        var files = Path.Combine(Data, "files");
        var user = await EraseBetweenBackupAndRestoreAsync(Ledger,
            () =>
            {
                LedgerPortal.CopyFolder(Keys, Path.Combine(Copy, "keys"));
                LedgerPortal.CopyFolder(files, Path.Combine(Copy, "files"));
            },
            () =>
            {
                LedgerPortal.RestoreFolder(Path.Combine(Copy, "keys"), Keys);
                LedgerPortal.RestoreFolder(Path.Combine(Copy, "files"), files);
            });
        Assert.True(Directory.Exists(Path.Combine(files, user.Id)), "the restored file tree holds the erased user's folder");

        var restored = await LedgerPortal.RunAsync(Data, Ledger, async portal =>
        {
            await using var keys = await portal.Services.GetRequiredService<IDbContextFactory<DataKeyDbContext>>().CreateDbContextAsync();
            Assert.False(await keys.UserDataKeys.AnyAsync(k => k.UserId == user.Id));
        });
        Assert.False(Directory.Exists(Path.Combine(files, user.Id)));
        Assert.Contains(restored.Logs.Lines, l => l.Contains("Erasure ledger replay: 0 accounts, 1 data keys and 1 user folders"));
    }

    [Fact]
    public async Task Restore_LedgerInsideTheRestoredCopy_CannotKnowTheErasure()
    {
        var user = await EraseBetweenBackupAndRestoreAsync(null, () => LedgerPortal.CopyFolder(Data, Copy), () => LedgerPortal.RestoreFolder(Copy, Data));

        // The default ledger (<data>/keys) came back with the copy: the erasure is forgotten. Hence the backup rule.
        var restored = await LedgerPortal.RunAsync(Data, null, async portal =>
        {
            await using var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            var title = (await db.Conversations.SingleAsync(c => c.Id == user.ConversationId)).TitleCipher;
            Assert.Equal("Title " + user.Secret, await portal.Services.GetRequiredService<UserContentCipher>().DecryptStringAsync(user.Id, ContentPurpose.ConversationTitle, title));
        });
        Assert.Contains(restored.Logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("lies inside the data folder") && l.Contains("Storage:ErasureLedgerPath"));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner.
        }
    }
}

public sealed class DeletionCertificateBackupTextTests
{
    [Theory]
    [InlineData("en", "Backups")]
    [InlineData("de", "Sicherungen")]
    public void Certificate_AnyLanguage_StatesTheBackupConditionSentenceBySentence(string language, string heading)
    {
        var writer = new DeletionCertificateWriter(
            new OperatorFacts(Microsoft.Extensions.Options.Options.Create(new OperatorOptions())),
            Microsoft.Extensions.Options.Options.Create(new PrivacyOptions()),
            Microsoft.Extensions.Options.Options.Create(new PromptLeo.Web.Features.Hosting.HostingOptions()));
        var job = new ErasureJob { Pseudonym = "erased-0123456789abcdef01234567", Language = language };

        var text = Regex.Replace(PdfArtifacts.Text(writer.Write(job, new Dictionary<string, int> { ["profile"] = 1 }, [], DateTimeOffset.UtcNow)), @"\s+", " ");

        Assert.Contains(heading, text);
        var sentences = DeletionCertificateWriter.BackupSentences(new PromptLeo.Web.Features.Reports.ReportText(language)).ToList();
        Assert.Equal(4, sentences.Count);
        // Each sentence is backed by a test above: the ledger scan, the restore, the refusal and the condition, the old key copy.
        Assert.All(sentences, sentence => Assert.Contains(sentence, text));
        Assert.DoesNotContain(language == "de" ? "auch in Sicherungen" : "including copies in backups", text);
    }

    [Fact]
    public void Certificate_BackupRule_IsTheOneTheOperatorsGuideGives()
    {
        var operations = File.ReadAllText(Path.Combine(SourceTree.Root, "docs", "operations.md"));

        Assert.Contains("### Backup and restore", operations);
        Assert.Contains("**Keys separately, encrypted, briefly.**", operations);
        Assert.Contains("**The ledger outside the data folder.**", operations);
    }
}
