using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Accounts;

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
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var admin = await users.FindByEmailAsync(PortalFactory.AdminEmail);
        Assert.NotNull(admin);
        Assert.True(await users.IsInRoleAsync(admin, Roles.Admin));
        Assert.True(await users.CheckPasswordAsync(admin, PasswordFilePortalFactory.FilePassword));
    }
}
