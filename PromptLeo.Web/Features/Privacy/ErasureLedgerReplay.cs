using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// Replays the <see cref="ErasureLedger"/> at start (from <c>InitializeDatabaseAsync</c>, before the portal listens): an account the ledger lists that is
/// back (a restored database) is erased again through <see cref="AccountEraser"/> with all its participants; a data key
/// or a user folder the ledger lists (a restored key store or file tree) is deleted. Idempotent.
/// </summary>
public sealed class ErasureLedgerReplay(
    ErasureLedger ledger,
    AccountEraser eraser,
    IDbContextFactory<AppDbContext> dbFactory,
    IDbContextFactory<DataKeyDbContext> keyStore,
    UserContentCipher cipher,
    EncryptedFileStore files,
    ExportFiles exportFiles,
    DataPaths paths,
    ILogger<ErasureLedgerReplay> logger) : IRestoreReplay
{
    Task IRestoreReplay.RunAsync(CancellationToken cancellationToken) => ReplayLedgerAsync(cancellationToken);

    /// <summary>Returns how many accounts, keys and user folders (without their account) were erased again.</summary>
    public async Task<ReplayCounts> ReplayLedgerAsync(CancellationToken cancellationToken = default)
    {
        await ledger.OpenAsync(cancellationToken);
        var counts = new ReplayCounts(0, 0, 0);
        if (ledger.Count > 0)
        {
            counts = await ReplayAsync(cancellationToken);
        }
        ledger.MarkSeen();
        if (counts.Accounts + counts.Keys + counts.Folders > 0)
        {
            logger.LogWarning(
                "Erasure ledger replay: {Accounts} accounts, {Keys} data keys and {Folders} user folders that had been erased came back (restored backup) and were erased again",
                counts.Accounts, counts.Keys, counts.Folders);
        }
        return counts;
    }

    private async Task<ReplayCounts> ReplayAsync(CancellationToken cancellationToken)
    {
        List<string> accounts;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            accounts = (await db.Users.Select(u => u.Id).ToListAsync(cancellationToken)).Where(ledger.Contains).ToList();
        }
        foreach (var userId in accounts)
        {
            var result = await eraser.EraseAgainAsync(userId, cancellationToken);
            logger.LogInformation("Erasure ledger replay: erased account again as erasure {JobId}", result.JobId);
        }

        // A key store or file tree restored on its own may bring back keys and folders of accounts whose rows are gone.
        List<string> keys;
        await using (var keyDb = await keyStore.CreateDbContextAsync(cancellationToken))
        {
            keys = (await keyDb.UserDataKeys.Select(k => k.UserId).ToListAsync(cancellationToken)).Where(ledger.Contains).ToList();
        }
        foreach (var userId in keys)
        {
            await cipher.ShredKeyAsync(userId, cancellationToken);
        }
        var folders = UserFolders(paths.Files).Concat(UserFolders(paths.Exports)).Distinct().Where(ledger.Contains).ToList();
        foreach (var userId in folders)
        {
            files.DeleteAll(userId);
            exportFiles.DeleteAll(userId);
        }
        return new ReplayCounts(accounts.Count, keys.Count, folders.Count);
    }

    private static IEnumerable<string> UserFolders(string parent) =>
        Directory.Exists(parent) ? Directory.EnumerateDirectories(parent).Select(d => Path.GetFileName(d)!) : [];
}

public sealed record ReplayCounts(int Accounts, int Keys, int Folders);
