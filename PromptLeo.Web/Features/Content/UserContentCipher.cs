using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Cluster;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Web.Features.Content;

/// <summary>The owner's data key is gone (account erased) or the ciphertext was tampered with.</summary>
public sealed class ContentUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Encrypts content at rest with a per-user 256-bit data key (AES-GCM). The key is stored wrapped by the Data Protection
/// master key in <see cref="UserDataKey"/>, in the separate key database (<see cref="DataKeyDbContext"/>); deleting that
/// row makes every copy of the user's content unreadable (crypto-shredding), including copies in content backups.
/// </summary>
/// <remarks>
/// Layout: version byte (1) | nonce (12) | tag (16) | ciphertext. The associated data binds a blob to its owner and
/// purpose, so a ciphertext copied into another user's row or another column fails to decrypt.
/// </remarks>
public sealed class UserContentCipher(IDbContextFactory<AppDbContext> dbFactory, IDbContextFactory<DataKeyDbContext> keyStore, IDataProtectionProvider protection, IClusterBus cluster)
    : IClusterInvalidationHandler
{
    private const byte FormatVersion = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int HeaderSize = 1 + NonceSize + TagSize;

    private readonly IDataProtector keyWrapper = protection.CreateProtector("PromptLeo.UserDataKey.v1");
    private readonly ConcurrentDictionary<string, byte[]> keys = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim createLock = new(1, 1);
    // Users whose key was shredded in this process: a read that raced the shred must not put the key back.
    private readonly ConcurrentDictionary<string, byte> shredded = new(StringComparer.Ordinal);
    // Counts forgets: a key read from the database while one happened (another node's erasure) is not kept.
    private long forgets;

    public async ValueTask<byte[]> EncryptAsync(string userId, string purpose, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken = default)
    {
        var key = await GetOrCreateKeyAsync(userId, cancellationToken);
        return Encrypt(key, userId, purpose, plaintext.Span);
    }

    public async ValueTask<byte[]> EncryptStringAsync(string userId, string purpose, string plaintext, CancellationToken cancellationToken = default)
        => await EncryptAsync(userId, purpose, Encoding.UTF8.GetBytes(plaintext), cancellationToken);

    public async ValueTask<byte[]> DecryptAsync(string userId, string purpose, byte[] ciphertext, CancellationToken cancellationToken = default)
    {
        var key = await GetKeyAsync(userId, cancellationToken)
            ?? throw new ContentUnavailableException("The data key for this content no longer exists.");
        return Decrypt(key, userId, purpose, ciphertext);
    }

    public async ValueTask<string> DecryptStringAsync(string userId, string purpose, byte[] ciphertext, CancellationToken cancellationToken = default)
        => Encoding.UTF8.GetString(await DecryptAsync(userId, purpose, ciphertext, cancellationToken));

    /// <summary>Deletes the user's data key (crypto-shredding); every node forgets its cached copy.</summary>
    public async Task ShredKeyAsync(string userId, CancellationToken cancellationToken = default)
    {
        // Serialized with key creation, so no key is minted between the check and the delete.
        await createLock.WaitAsync(cancellationToken);
        try
        {
            shredded[userId] = 1;
            await DeleteKeyAsync(userId, cancellationToken);
        }
        finally
        {
            createLock.Release();
        }
        await cluster.PublishAsync(ClusterInvalidation.ForUser(userId), cancellationToken);
    }

    private async Task DeleteKeyAsync(string userId, CancellationToken cancellationToken)
    {
        await using var keyDb = await keyStore.CreateDbContextAsync(cancellationToken);
        await keyDb.UserDataKeys.Where(k => k.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        // SQLite: secure_delete zeroed the row and the checkpoint keeps no copy in the WAL; PostgreSQL: the table is rewritten.
        await SqliteHygiene.ScrubDeletedKeysAsync(keyDb, cancellationToken);
        Forget(userId);
    }

    /// <summary>Drops this node's cached key, e.g. after erasure on another path or another node.</summary>
    public void Forget(string userId)
    {
        Interlocked.Increment(ref forgets);
        // Not zeroed: a request on another thread may still be using the same array.
        keys.TryRemove(userId, out _);
    }

    void IClusterInvalidationHandler.Invalidate(ClusterInvalidation message)
    {
        switch (message.Scope)
        {
            case InvalidationScope.User:
                Forget(message.UserId);
                break;
            case InvalidationScope.Everything:
                Interlocked.Increment(ref forgets);
                keys.Clear();
                break;
        }
    }

    private static byte[] Encrypt(byte[] key, string userId, string purpose, ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[HeaderSize + plaintext.Length];
        output[0] = FormatVersion;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(HeaderSize), output.AsSpan(1 + NonceSize, TagSize), AssociatedData(userId, purpose));
        return output;
    }

    private static byte[] Decrypt(byte[] key, string userId, string purpose, byte[] ciphertext)
    {
        if (ciphertext.Length < HeaderSize || ciphertext[0] != FormatVersion)
        {
            throw new ContentUnavailableException("The stored content has an unknown format.");
        }
        var plaintext = new byte[ciphertext.Length - HeaderSize];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(ciphertext.AsSpan(1, NonceSize), ciphertext.AsSpan(HeaderSize), ciphertext.AsSpan(1 + NonceSize, TagSize), plaintext, AssociatedData(userId, purpose));
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new ContentUnavailableException("The stored content failed its integrity check.", ex);
        }
        return plaintext;
    }

    private static byte[] AssociatedData(string userId, string purpose) => Encoding.UTF8.GetBytes($"{userId}\n{purpose}");

    private async ValueTask<byte[]?> GetKeyAsync(string userId, CancellationToken cancellationToken)
    {
        if (keys.TryGetValue(userId, out var cached))
        {
            return cached;
        }
        var forgetsBefore = Interlocked.Read(ref forgets);
        await using var keyDb = await keyStore.CreateDbContextAsync(cancellationToken);
        var row = await keyDb.UserDataKeys.AsNoTracking().FirstOrDefaultAsync(k => k.UserId == userId, cancellationToken);
        if (row is null)
        {
            return null;
        }
        if (shredded.ContainsKey(userId))
        {
            return null;
        }
        var key = keyWrapper.Unprotect(row.WrappedKey);
        var added = keys.GetOrAdd(userId, key);
        if (shredded.ContainsKey(userId))
        {
            // The shred ran while this read was in flight.
            keys.TryRemove(userId, out _);
            return null;
        }
        if (Interlocked.Read(ref forgets) != forgetsBefore)
        {
            // A forget (perhaps another node's erasure) raced this read: use the key once, keep nothing.
            keys.TryRemove(userId, out _);
        }
        return added;
    }

    private async ValueTask<byte[]> GetOrCreateKeyAsync(string userId, CancellationToken cancellationToken)
    {
        var existing = await GetKeyAsync(userId, cancellationToken);
        if (existing is not null)
        {
            return existing;
        }
        await createLock.WaitAsync(cancellationToken);
        try
        {
            existing = await GetKeyAsync(userId, cancellationToken);
            if (existing is not null)
            {
                return existing;
            }
            if (shredded.ContainsKey(userId))
            {
                throw new ContentUnavailableException("The account is being erased.");
            }
            var key = RandomNumberGenerator.GetBytes(32);
            var forgetsBefore = Interlocked.Read(ref forgets);
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            if (!await db.Users.AnyAsync(u => u.Id == userId, cancellationToken))
            {
                throw new ContentUnavailableException("The account no longer exists.");
            }
            // After stage 2 of an erasure the key is gone on purpose; a request still running must not mint a new one.
            if (await db.ErasureJobs.AnyAsync(j => j.UserId == userId && j.Stage != ErasureStage.Completed, cancellationToken))
            {
                throw new ContentUnavailableException("The account is being erased.");
            }
            await using var keyDb = await keyStore.CreateDbContextAsync(cancellationToken);
            keyDb.UserDataKeys.Add(new UserDataKey { UserId = userId, WrappedKey = keyWrapper.Protect(key) });
            await keyDb.SaveChangesAsync(cancellationToken);
            var added = keys.GetOrAdd(userId, key);
            if (Interlocked.Read(ref forgets) != forgetsBefore || shredded.ContainsKey(userId))
            {
                // An erasure (perhaps on another node) began while the key was minted: use it once, keep nothing.
                keys.TryRemove(userId, out _);
            }
            return added;
        }
        finally
        {
            createLock.Release();
        }
    }
}

/// <summary>Purposes bound into the ciphertext's associated data.</summary>
public static class ContentPurpose
{
    public const string ConversationTitle = "conversation.title";
    public const string SystemPrompt = "conversation.system";
    public const string Message = "message";
    public const string PresetName = "preset.name";
    public const string PresetPrompt = "preset.prompt";
    public const string ImageParameters = "image.parameters";
    public const string ImageFile = "image.file";
    public const string MessageCitations = "message.citations";
    public const string KnowledgeCollectionName = "knowledge.collection.name";
    public const string KnowledgeFileName = "knowledge.document.name";
    public const string KnowledgeFile = "knowledge.document.file";
    public const string KnowledgeChunkText = "knowledge.chunk.text";
    public const string KnowledgeChunkVector = "knowledge.chunk.vector";
    public const string KnowledgeChunkMeta = "knowledge.chunk.meta";
}
