using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Web.Features.Content;

/// <summary>
/// Encrypted files (generated images, uploads) in a per-user folder under the data folder's <c>files</c>, outside
/// <c>wwwroot</c>. Served only through authorized endpoints that check ownership first.
/// </summary>
public sealed class EncryptedFileStore(DataPaths paths, UserContentCipher cipher, DataFileWriter writer, ILogger<EncryptedFileStore> logger)
{
    /// <summary>Writes the file whole or not at all: it appears under its name only once every byte is on disk.</summary>
    /// <exception cref="StorageFullException">The disk is full; no partial or temporary file is left behind.</exception>
    public async Task<long> WriteAsync(string userId, string fileName, string purpose, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var path = PathFor(userId, fileName);
        DataFolderPermissions.CreateFolder(Path.GetDirectoryName(path)!);
        var encrypted = await cipher.EncryptAsync(userId, purpose, content, cancellationToken);
        // A name of its own per write, so two writers of one file never share (or delete) each other's temporary file.
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var stream = writer.Create(temp))
            {
                await stream.WriteAsync(encrypted, cancellationToken);
                await stream.FlushAsync(cancellationToken);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex)
        {
            DataFileWriter.DeletePartial(temp);
            if (StorageFaults.IsStorageFull(ex))
            {
                logger.LogError(ex, "Disk full: file {FileName} for {UserId} was not stored", fileName, userId);
                throw new StorageFullException("The file could not be stored: the data folder's disk is full.", ex);
            }
            throw;
        }
        return encrypted.Length;
    }

    /// <summary>The decrypted file, or null when it does not exist.</summary>
    public async Task<byte[]?> ReadAsync(string userId, string fileName, string purpose, CancellationToken cancellationToken = default)
    {
        var path = PathFor(userId, fileName);
        if (!File.Exists(path))
        {
            return null;
        }
        return await cipher.DecryptAsync(userId, purpose, await File.ReadAllBytesAsync(path, cancellationToken), cancellationToken);
    }

    public void Delete(string userId, string fileName)
    {
        var path = PathFor(userId, fileName);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    /// <summary>Removes the user's whole folder; returns how many files were in it.</summary>
    public int DeleteAll(string userId)
    {
        var dir = UserDirectory(userId);
        if (!Directory.Exists(dir))
        {
            return 0;
        }
        var count = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Count();
        Directory.Delete(dir, recursive: true);
        return count;
    }

    public string UserDirectory(string userId) => DataPaths.UserFolder(paths.Files, userId);

    private string PathFor(string userId, string fileName)
    {
        if (string.IsNullOrEmpty(fileName) || fileName != Path.GetFileName(fileName) || fileName.StartsWith('.'))
        {
            throw new ArgumentException("Invalid file name.", nameof(fileName));
        }
        return Path.Combine(UserDirectory(userId), fileName);
    }
}
