using Microsoft.Data.Sqlite;
using Npgsql;

namespace PromptLeo.Web.Features.Content;

/// <summary>
/// Creates the files the portal writes into the data folder (images, export ZIPs). It is the one seam between the
/// features and the disk, so a test can replace it with one whose disk fills up part-way through a write.
/// </summary>
public class DataFileWriter
{
    /// <summary>A new file at <paramref name="path"/>; an existing one is replaced.</summary>
    public virtual Stream Create(string path) =>
        new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);

    /// <summary>Removes a partial file after a failed write; a failure to remove it is not a second error.</summary>
    public static void DeletePartial(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next cleanup; it has a temporary name and is never served.
        }
    }
}

/// <summary>The data folder's disk (or the database on it) is full. Nothing of the failed write was kept.</summary>
public sealed class StorageFullException(string message, Exception inner) : IOException(message, inner);

/// <summary>Recognises "disk full" in what the file system, SQLite and PostgreSQL throw.</summary>
public static class StorageFaults
{
    private const int Enospc = 28;               // Linux/macOS errno, which .NET passes on as the IOException's HResult
    private const int ErrorDiskFull = unchecked((int)0x80070070);
    private const int ErrorHandleDiskFull = unchecked((int)0x80070027);
    private const int SqliteFull = 13;           // SQLITE_FULL: "database or disk is full"

    /// <summary>True when <paramref name="error"/> or one of its inner exceptions says the disk is full.</summary>
    public static bool IsStorageFull(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is StorageFullException
                || e is IOException { HResult: Enospc or ErrorDiskFull or ErrorHandleDiskFull }
                || e is SqliteException { SqliteErrorCode: SqliteFull }
                || e is PostgresException { SqlState: PostgresErrorCodes.DiskFull })
            {
                return true;
            }
        }
        return false;
    }
}
