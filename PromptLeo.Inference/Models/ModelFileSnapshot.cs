using System.Security.Cryptography;

namespace PromptLeo.Inference.Models;

/// <summary>
/// What a model's files looked like when it was loaded: size, last write time and a hash of the first 4 KiB of each.
/// Comparing against it tells whether a file was deleted, truncated, replaced or rewritten while the model is resident.
/// </summary>
internal sealed class ModelFileSnapshot
{
    private const int HeaderBytes = 4096;
    private readonly string _directory;
    private readonly FileState[] _files;

    private ModelFileSnapshot(string directory, FileState[] files)
    {
        _directory = directory;
        _files = files;
    }

    /// <summary>Every file of the model folder (dot-files excepted), read before the loader opens them.</summary>
    public static ModelFileSnapshot Take(string directory)
    {
        var files = Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                .Where(p => !Path.GetFileName(p).StartsWith('.'))
                .Select(p => Read(directory, Path.GetRelativePath(directory, p), withHeader: true)!)
                .ToArray()
            : [];
        return new ModelFileSnapshot(directory, files);
    }

    /// <summary>
    /// Null when the files are unchanged, else why not. <paramref name="withHeader"/> also compares the header hash
    /// (a read per file); without it only size and time are compared (a stat per file, cheap enough for every request).
    /// </summary>
    public string? FindChange(bool withHeader)
    {
        foreach (var before in _files)
        {
            FileState? now;
            try
            {
                now = Read(_directory, before.Path, withHeader);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return $"{before.Path}: cannot be read any more ({ex.Message}).";
            }
            if (now is null)
                return $"{before.Path}: the file was deleted while the model was loaded.";
            if (now.Length != before.Length)
                return $"{before.Path}: the file changed on disk while the model was loaded ({before.Length} → {now.Length} bytes).";
            if (now.LastWriteUtc != before.LastWriteUtc)
                return $"{before.Path}: the file was rewritten while the model was loaded (modified {now.LastWriteUtc:u}).";
            if (withHeader && !now.HeaderHash.AsSpan().SequenceEqual(before.HeaderHash))
                return $"{before.Path}: the file's content changed while the model was loaded (header differs).";
        }

        return null;
    }

    private static FileState? Read(string directory, string relativePath, bool withHeader)
    {
        var info = new FileInfo(Path.Combine(directory, relativePath));
        if (!info.Exists)
            return null;
        byte[] hash = [];
        if (withHeader)
        {
            using var stream = new FileStream(info.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var header = new byte[(int)Math.Min(HeaderBytes, info.Length)];
            stream.ReadExactly(header);
            hash = SHA256.HashData(header);
        }

        return new FileState(relativePath, info.Length, info.LastWriteTimeUtc, hash);
    }

    private sealed record FileState(string Path, long Length, DateTime LastWriteUtc, byte[] HeaderHash);
}
