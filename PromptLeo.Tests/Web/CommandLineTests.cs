using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.Cli;

namespace PromptLeo.Tests.Web;

public sealed class CommandLineTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task AdminCreate_WithEmailAndPassword_CreatesConfirmedAdmin()
    {
        var output = new StringWriter();
        var code = await CommandLine.RunAsync(factory.Services, ["admin", "create", "--email", "ops@example.de"], output, new StringReader("Ops-Passw0rd-123\n"));
        Assert.Equal(0, code);

        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = await users.FindByEmailAsync("ops@example.de");
        Assert.NotNull(user);
        Assert.True(user.EmailConfirmed);
        Assert.True(await users.IsInRoleAsync(user, Roles.Admin));
        Assert.True(await users.CheckPasswordAsync(user, "Ops-Passw0rd-123"));
    }

    [Fact]
    public async Task AdminCreate_PasswordFromStdin_IsUsed()
    {
        var code = await CommandLine.RunAsync(factory.Services, ["admin", "create", "--email", "stdin@example.de"], new StringWriter(), new StringReader("Stdin-Passw0rd-1\n"));
        Assert.Equal(0, code);
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        Assert.True(await users.CheckPasswordAsync((await users.FindByEmailAsync("stdin@example.de"))!, "Stdin-Passw0rd-1"));
    }

    [Fact]
    public async Task AdminCreate_WithoutEmail_FailsWithUsage()
    {
        var output = new StringWriter();
        var code = await CommandLine.RunAsync(factory.Services, ["admin", "create"], output, new StringReader(""));
        Assert.Equal(2, code);
        Assert.Contains("--email is required", output.ToString());
    }

    [Fact]
    public async Task AdminCreate_WeakPassword_ExplainsRule()
    {
        var output = new StringWriter();
        var code = await CommandLine.RunAsync(factory.Services, ["admin", "create", "--email", "weak@example.de"], output, new StringReader("short\n"));
        Assert.Equal(1, code);
        Assert.Contains("at least 10 characters", output.ToString());
    }

    [Fact]
    public async Task AdminCreate_PasswordOnCommandLine_IsRefusedAndNoAccountCreated()
    {
        var output = new StringWriter();
        var code = await CommandLine.RunAsync(factory.Services, ["admin", "create", "--email", "argv@example.de", "--password", "Argv-Passw0rd-123"], output, new StringReader(""));
        Assert.Equal(2, code);
        Assert.Contains("--password is not accepted", output.ToString());
        using var scope = factory.Services.CreateScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync("argv@example.de"));
    }

    [Theory]
    [InlineData("--Admin:Password=Secret-Passw0rd-1", "Admin:Password")]
    [InlineData("/admin:password=Secret-Passw0rd-1", "Admin:Password")]
    [InlineData("--Email:Password=smtp-secret", "Email:Password")]
    [InlineData("--Storage:KeyRingCertificatePassword=pfx-secret", "Storage:KeyRingCertificatePassword")]
    [InlineData("--Inference:HuggingFaceToken=hf_secret", "Inference:HuggingFaceToken")]
    public void SecretArgument_IsRefusedNamingTheEnvironmentVariable(string argument, string setting)
    {
        var error = new StringWriter();
        Assert.True(CommandLine.RefusesSecretArguments(["--urls", "http://127.0.0.1:5080", argument], error));
        Assert.Contains($"{setting} is not accepted on the command line", error.ToString());
        Assert.Contains(setting.Replace(":", "__"), error.ToString());
        Assert.DoesNotContain("secret", error.ToString().Replace(setting, ""), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void SecretArgument_AsSeparateValue_IsRefused()
    {
        Assert.True(CommandLine.RefusesSecretArguments(["--Admin:Password", "Secret-Passw0rd-1"], new StringWriter()));
    }

    [Fact]
    public void OrdinaryArguments_AreAccepted()
    {
        var error = new StringWriter();
        Assert.False(CommandLine.RefusesSecretArguments(["admin", "create", "--email", "a@example.de", "--Admin:Email=a@example.de", "--Admin:PasswordFile=/run/credentials/admin"], error));
        Assert.Empty(error.ToString());
    }

    [Fact]
    public void AdminPasswordFile_IsReadWithoutTrailingLineBreak()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "File-Passw0rd-123\n");
        try
        {
            Assert.Equal("File-Passw0rd-123", new AdminOptions { PasswordFile = file }.ResolvePassword());
            Assert.Equal("Env-Passw0rd-123", new AdminOptions { Password = "Env-Passw0rd-123", PasswordFile = file }.ResolvePassword());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void AdminPasswordFile_Missing_NamesTheSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new AdminOptions { PasswordFile = "/nonexistent/promptleo-admin" }.ResolvePassword());
        Assert.Contains("Admin:PasswordFile", error.Message);
    }

    [Fact]
    public async Task UnknownVerb_PrintsUsage()
    {
        var output = new StringWriter();
        Assert.Equal(2, await CommandLine.RunAsync(factory.Services, ["admin", "frobnicate"], output, new StringReader("")));
        Assert.Contains("Usage:", output.ToString());
    }

    [Fact]
    public async Task ConfiguredAdmin_OnFirstStart_IsAdmin()
    {
        await AssertAdminAsync(factory.Services, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
    }

    /// <summary>The account exists, is an admin and signs in with <paramref name="password"/>.</summary>
    internal static async Task AssertAdminAsync(IServiceProvider services, string email, string password)
    {
        using var scope = services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var admin = await users.FindByEmailAsync(email);
        Assert.NotNull(admin);
        Assert.True(await users.IsInRoleAsync(admin, Roles.Admin));
        Assert.True(await users.CheckPasswordAsync(admin, password));
    }
}
