using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Web.Features.Content;

/// <summary>
/// Encrypted files (generated images, uploads) in a per-user folder under the data folder's <c>files</c>, outside
/// <c>wwwroot</c>. Served only through authorized endpoints that check ownership first.
/// </summary>
public sealed class EncryptedFileStore(DataPaths paths, UserContentCipher cipher)
{
    public async Task<long> WriteAsync(string userId, string fileName, string purpose, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var path = PathFor(userId, fileName);
        DataFolderPermissions.CreateFolder(Path.GetDirectoryName(path)!);
        var encrypted = await cipher.EncryptAsync(userId, purpose, content, cancellationToken);
        var temp = path + ".tmp";
        await File.WriteAllBytesAsync(temp, encrypted, cancellationToken);
        File.Move(temp, path, overwrite: true);
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
