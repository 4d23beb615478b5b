using System.Runtime.InteropServices;

namespace PromptLeo.Web.Features.Storage;

/// <summary>
/// Everything under the data folder is for the app's user only: folders 0700, files 0600. The process umask covers
/// files written by SQLite, Data Protection, MailKit and the model writers; folders are also created with the mode
/// explicitly, and an existing tree is tightened at start.
/// </summary>
public static class DataFolderPermissions
{
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Group and others lose every bit on files and folders this process creates from now on (umask 077).</summary>
    public static void RestrictNewFiles()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            SetUmask(0b000_111_111);
        }
    }

    /// <summary>Creates the folder (and missing parents) readable by the app's user only.</summary>
    public static DirectoryInfo CreateFolder(string path) =>
        OperatingSystem.IsWindows() ? Directory.CreateDirectory(path) : Directory.CreateDirectory(path, FolderMode);

    /// <summary>Gives every folder below <paramref name="root"/> 0700 and every file 0600; symbolic links are left alone.</summary>
    public static void Tighten(string root, ILogger logger)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(root))
        {
            return;
        }
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(root)]);
        while (pending.TryPop(out var folder))
        {
            SetMode(folder, FolderMode, logger);
            foreach (var entry in folder.EnumerateFileSystemInfos())
            {
                if (entry.LinkTarget is not null)
                {
                    continue;
                }
                if (entry is DirectoryInfo child)
                {
                    pending.Push(child);
                }
                else
                {
                    SetMode(entry, FileMode, logger);
                }
            }
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void SetMode(FileSystemInfo entry, UnixFileMode mode, ILogger logger)
    {
        if (entry.UnixFileMode == mode)
        {
            return;
        }
        try
        {
            entry.UnixFileMode = mode;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            // E.g. model files an operator copied in as another user: readable, but not ours to change.
            logger.LogWarning("Could not restrict {Path} to the app's user: {Reason}", entry.FullName, ex.Message);
        }
    }

    // A plain DllImport: LibraryImport would need unsafe code enabled for the whole project, for one uint call.
    [DllImport("libc", EntryPoint = "umask")]
    private static extern uint SetUmask(uint mask);
}
