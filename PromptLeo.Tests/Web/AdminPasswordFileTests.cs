using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web;

/// <summary>The first admin's password read from a file (e.g. a systemd credential) instead of the environment.</summary>
public sealed class PasswordFilePortalFactory : PortalFactory
{
    public const string FilePassword = "File-Admin-Passw0rd";

    public PasswordFilePortalFactory()
    {
        PasswordFile = Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N") + ".secret");
        Directory.CreateDirectory(Path.GetDirectoryName(PasswordFile)!);
        File.WriteAllText(PasswordFile, FilePassword + "\n");
    }

    public string PasswordFile { get; }

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Admin:Password"] = "",
        ["Admin:PasswordFile"] = PasswordFile,
    };

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        File.Delete(PasswordFile);
    }
}

public sealed class AdminPasswordFileTests(PasswordFilePortalFactory factory) : IClassFixture<PasswordFilePortalFactory>
{
    [Fact]
    public async Task ConfiguredAdmin_WithPasswordFile_GetsThatPassword()
    {
        await CommandLineTests.AssertAdminAsync(factory.Services, PortalFactory.AdminEmail, PasswordFilePortalFactory.FilePassword);
    }
}
