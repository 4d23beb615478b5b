using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Cluster;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// The erasure ledger: one line per erased account, the time and an HMAC-SHA256 of the account id under a random salt
/// kept in the ledger's own header. It holds no id, name or address, yet lets the start-up replay
/// (<see cref="ErasureLedgerReplay"/>) recognise an erased account in a restored copy and erase it again.
/// </summary>
/// <remarks>
/// Append-only text, fsync'd after every line. It lives at <c>Storage:ErasureLedgerPath</c> (default
/// <c>&lt;data&gt;/keys/erasure-ledger.txt</c>, beside the key store); outside the data folder it survives a restore of
/// the whole folder. A marker in the data folder (<c>erasure-ledger.seen</c>) remembers which ledger and how many
/// entries the content has seen, so a ledger older than the content stops the start instead of forgetting erasures.
/// </remarks>
public sealed class ErasureLedger(IOptions<StorageOptions> storage, DataPaths paths, IHostEnvironment environment, ClusterLeases leases, TimeProvider time, ILogger<ErasureLedger> logger)
{
    /// <summary>Held while a node appends: nodes share the ledger file (it must lie on storage they all see).</summary>
    public const string LeaseName = "erasure-ledger";

    public const string DefaultFileName = "erasure-ledger.txt";
    public const string MarkerFileName = "erasure-ledger.seen";
    private const string Magic = "promptleo-erasure-ledger v1";

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly HashSet<string> hashes = new(StringComparer.Ordinal);
    private byte[]? salt;
    private string ledgerId = "";

    /// <summary>The ledger file's absolute path.</summary>
    public string FilePath { get; } = string.IsNullOrWhiteSpace(storage.Value.ErasureLedgerPath)
        ? Path.Combine(paths.Keys, DefaultFileName)
        : Path.GetFullPath(storage.Value.ErasureLedgerPath, environment.ContentRootPath);

    /// <summary>The marker in the data folder: ledger id and entry count the content has seen.</summary>
    public string MarkerPath => Path.Combine(paths.Root, MarkerFileName);

    public bool IsInsideDataFolder => paths.Contains(FilePath);

    public int Count
    {
        get
        {
            lock (hashes)
            {
                return hashes.Count;
            }
        }
    }

    /// <summary>
    /// Opens (or creates) the ledger and checks it against the data folder's marker; throws when the ledger is missing,
    /// replaced or older than what the content has already seen.
    /// </summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var marker = ReadMarker();
            if (!File.Exists(FilePath))
            {
                if (marker is not null)
                {
                    throw new InvalidOperationException(
                        $"The erasure ledger {FilePath} is missing, but this data folder has seen ledger {marker.Value.Id} with {marker.Value.Count} entries. " +
                        "Restore the ledger from its backup (see docs/operations.md, \"Backup and restore\"); starting without it would bring erased accounts back. " +
                        $"Only if it is lost for good, delete {MarkerPath} to start a new, empty ledger.");
                }
                Create();
            }
            Load();
            if (marker is { } seen && (seen.Id != ledgerId || seen.Count > hashes.Count))
            {
                throw new InvalidOperationException(
                    $"The erasure ledger {FilePath} (ledger {ledgerId}, {hashes.Count} entries) is older than this data folder, which has seen ledger {seen.Id} with {seen.Count} entries. " +
                    "Restore the newest copy of the ledger; starting with this one would bring erased accounts back. " +
                    $"Only if the newer ledger is lost for good, delete {MarkerPath}.");
            }
            if (IsInsideDataFolder && environment.IsProduction())
            {
                logger.LogWarning(
                    "The erasure ledger {Ledger} lies inside the data folder: a restored copy of the whole folder brings back an old ledger, and with it accounts erased since. " +
                    "Set Storage:ErasureLedgerPath outside the data folder (see docs/operations.md, \"Backup and restore\").", FilePath);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Whether the account was erased according to the ledger.</summary>
    public bool Contains(string userId)
    {
        EnsureOpen();
        lock (hashes)
        {
            return hashes.Contains(Hash(userId));
        }
    }

    /// <summary>Appends the account, durably, unless it is already recorded; then updates the data folder's marker.</summary>
    public async Task RecordAsync(string userId, CancellationToken cancellationToken)
    {
        if (salt is null)
        {
            await OpenAsync(cancellationToken);
        }
        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var lease = await leases.AcquireAsync(LeaseName, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), cancellationToken);
            // What other nodes appended since this one last read the file counts too (and in the marker below).
            Load();
            var hash = Hash(userId);
            lock (hashes)
            {
                if (hashes.Contains(hash))
                {
                    return;
                }
            }
            var line = $"{time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)} {hash}\n";
            await using (var stream = new FileStream(FilePath, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.WriteThrough))
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(line), cancellationToken);
                stream.Flush(flushToDisk: true);
            }
            lock (hashes)
            {
                hashes.Add(hash);
            }
            WriteMarker();
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Records in the data folder that its content has seen the whole ledger.</summary>
    public void MarkSeen()
    {
        EnsureOpen();
        WriteMarker();
    }

    private string Hash(string userId) => Convert.ToHexStringLower(HMACSHA256.HashData(salt!, Encoding.UTF8.GetBytes(userId)));

    private void EnsureOpen()
    {
        if (salt is null)
        {
            throw new InvalidOperationException("The erasure ledger is not open; ReplayErasureLedgerAsync runs at start.");
        }
    }

    private void Create()
    {
        DataFolderPermissions.CreateFolder(Path.GetDirectoryName(FilePath)!);
        var header = $"{Magic} {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))} {Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}\n";
        WriteDurably(FilePath, header);
        logger.LogInformation("Created the erasure ledger {Ledger}", FilePath);
    }

    private void Load()
    {
        var lines = File.ReadAllLines(FilePath);
        var header = lines.Length > 0 ? lines[0].Split(' ') : [];
        if (header.Length != 4 || $"{header[0]} {header[1]}" != Magic)
        {
            throw new InvalidOperationException($"The erasure ledger {FilePath} has no valid header; restore it from its backup.");
        }
        ledgerId = header[2];
        salt = Convert.FromBase64String(header[3]);
        lock (hashes)
        {
            hashes.Clear();
            foreach (var entry in lines.Skip(1))
            {
                var parts = entry.Split(' ');
                // A line cut short by a crash mid-append is skipped: its erasure records itself again when resumed.
                if (parts.Length == 2 && parts[1].Length == 64 && DateTimeOffset.TryParse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
                {
                    hashes.Add(parts[1]);
                }
                else if (entry.Length > 0)
                {
                    logger.LogWarning("The erasure ledger {Ledger} has an unreadable line; it is skipped", FilePath);
                }
            }
        }
    }

    private (string Id, int Count)? ReadMarker()
    {
        if (!File.Exists(MarkerPath))
        {
            return null;
        }
        var parts = File.ReadAllText(MarkerPath).Trim().Split(' ');
        return parts.Length == 2 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var count)
            ? (parts[0], count)
            : throw new InvalidOperationException($"The erasure ledger marker {MarkerPath} is unreadable; delete it only if the ledger at {FilePath} is the newest one.");
    }

    private void WriteMarker() => WriteDurably(MarkerPath, $"{ledgerId} {Count}\n");

    /// <summary>Written beside the target, fsync'd and renamed, so a crash never leaves half a file.</summary>
    private static void WriteDurably(string path, string content)
    {
        // A name of its own: another node may write the same marker at the same moment.
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            stream.Write(Encoding.ASCII.GetBytes(content));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
