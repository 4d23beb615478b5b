namespace PromptLeo.Web.Features.Storage;

/// <summary>The <c>Storage</c> section: where the database, key ring, mail pickup folder and generated files live.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Relative paths are resolved against the content root.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>A PFX file (with private key), outside the data folder, that encrypts the Data Protection key ring at rest.</summary>
    public string? KeyRingCertificatePath { get; set; }

    /// <summary>
    /// The erasure ledger file (default <c>&lt;data&gt;/keys/erasure-ledger.txt</c>). Put it outside the data folder, on
    /// storage backed up with the keys, so that restoring an old copy of the data folder cannot roll it back.
    /// </summary>
    public string? ErasureLedgerPath { get; set; }

    /// <summary>The PFX password; set it as the environment variable <c>Storage__KeyRingCertificatePassword</c>.</summary>
    public string? KeyRingCertificatePassword { get; set; }
}

/// <summary>Resolved absolute paths inside the data folder. Created at start.</summary>
public sealed class DataPaths
{
    public DataPaths(string root)
    {
        Root = Path.GetFullPath(root);
        Database = Path.Combine(Root, "promptleo.db");
        Keys = Path.Combine(Root, "keys");
        MailPickup = Path.Combine(Root, "mail");
        Files = Path.Combine(Root, "files");
        Models = Path.Combine(Root, "models");
        Exports = Path.Combine(Root, "exports");
        DataKeys = Path.Combine(Keys, "datakeys.db");
    }

    public string Root { get; }
    public string Database { get; }
    public string Keys { get; }
    public string MailPickup { get; }
    public string Files { get; }
    public string Models { get; }

    /// <summary>The per-user data keys (SQLite), next to the Data Protection key ring and apart from the content.</summary>
    public string DataKeys { get; }

    /// <summary>Art. 15/20 export ZIPs, one folder per user, purged after the download window.</summary>
    public string Exports { get; }

    /// <summary>The user's own folder below <paramref name="parent"/> (files, exports).</summary>
    public static string UserFolder(string parent, string userId)
    {
        // User ids are GUIDs from Identity; reject anything that could escape the parent folder.
        if (string.IsNullOrEmpty(userId) || userId.IndexOfAny(['/', '\\', '.']) >= 0)
        {
            throw new ArgumentException("Invalid user id.", nameof(userId));
        }
        return Path.Combine(parent, userId);
    }

    /// <summary>Creates the folders and restricts the whole tree (also from older installations) to the app's user.</summary>
    public void EnsureCreated(ILogger logger)
    {
        foreach (var dir in new[] { Root, Keys, MailPickup, Files, Models, Exports })
        {
            DataFolderPermissions.CreateFolder(dir);
        }
        DataFolderPermissions.Tighten(Root, logger);
    }

    /// <summary>Whether <paramref name="path"/> lies inside the data folder.</summary>
    public bool Contains(string path)
    {
        var relative = Path.GetRelativePath(Root, Path.GetFullPath(path));
        return relative != ".." && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !Path.IsPathRooted(relative);
    }

    public static DataPaths From(StorageOptions options, IHostEnvironment environment)
    {
        var dir = string.IsNullOrWhiteSpace(options.DataDirectory) ? "./data" : options.DataDirectory;
        return new DataPaths(Path.IsPathRooted(dir) ? dir : Path.Combine(environment.ContentRootPath, dir));
    }
}
