using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;

namespace PromptLeo.Tests.Web.Storage;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataFolderPermissionsTests
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task DataFolder_AfterStartAndWrites_IsReadableByTheAppUserOnly()
    {
        using var factory = new PortalFactory();
        var client = factory.CreateBrowserLikeClient();
        // Database + WAL, Data Protection keys, the data key database, mail pickup, demo models, an encrypted file.
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, "modes@example.de", "Modes-Passw0rd-1");
        using (var scope = factory.Services.CreateScope())
        {
            var user = await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync("modes@example.de");
            await factory.Services.GetRequiredService<EncryptedFileStore>().WriteAsync(user!.Id, "probe.bin", "test", new byte[] { 1, 2, 3 });
        }

        var (folders, files) = AssertOwnerOnly(factory.DataDirectory);
        Assert.Contains(files, f => f.EndsWith("promptleo.db", StringComparison.Ordinal));
        // Scanned while the app holds its pooled connections, so the WAL and shared-memory files are there.
        Assert.Contains(files, f => f.EndsWith("promptleo.db-wal", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("promptleo.db-shm", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith(".eml", StringComparison.Ordinal));
        Assert.Contains(files, f => Path.GetFileName(f).StartsWith("key-", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("datakeys.db", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("probe.bin", StringComparison.Ordinal));
        Assert.Contains(folders, f => f.Contains("models", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExistingDataFolder_WithLooseModes_IsTightenedAtStart()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N"));
        var legacyFolder = Path.Combine(dataDirectory, "mail", "archive");
        Directory.CreateDirectory(legacyFolder);
        var legacyFile = Path.Combine(legacyFolder, "old.eml");
        await File.WriteAllTextAsync(legacyFile, "From: old@example.de");
        // As an older version (umask 022) left them.
        File.SetUnixFileMode(dataDirectory, Folder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(legacyFolder, Folder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(legacyFile, File600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        using var factory = new ExistingDataPortal(dataDirectory);
        _ = factory.Services;

        Assert.Equal(Folder, File.GetUnixFileMode(dataDirectory));
        Assert.Equal(Folder, File.GetUnixFileMode(legacyFolder));
        Assert.Equal(File600, File.GetUnixFileMode(legacyFile));
        AssertOwnerOnly(dataDirectory);
    }

    /// <summary>Fails naming the first folder that is not 0700 or file that is not 0600.</summary>
    private static (List<string> Folders, List<string> Files) AssertOwnerOnly(string root)
    {
        var folders = Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).Append(root).ToList();
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToList();
        foreach (var folder in folders)
        {
            Assert.True(File.GetUnixFileMode(folder) == Folder, $"{Path.GetRelativePath(root, folder)} is {File.GetUnixFileMode(folder)}");
        }
        foreach (var file in files)
        {
            UnixFileMode mode;
            try
            {
                mode = File.GetUnixFileMode(file);
            }
            catch (FileNotFoundException)
            {
                continue; // SQLite removes its -wal and -shm files when the last connection closes; a file that is gone exposes nothing
            }
            Assert.True(mode == File600, $"{Path.GetRelativePath(root, file)} is {mode}");
        }
        return (folders, files);
    }
}
