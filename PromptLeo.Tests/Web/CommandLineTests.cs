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
        var code = await CommandLine.RunAsync(factory.Services, ["admin", "create", "--email", "ops@example.de", "--password", "Ops-Passw0rd-123"], output, new StringReader(""));
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
        var code = await CommandLine.RunAsync(factory.Services, ["admin", "create", "--email", "weak@example.de", "--password", "short"], output, new StringReader(""));
        Assert.Equal(1, code);
        Assert.Contains("at least 10 characters", output.ToString());
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
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var admin = await users.FindByEmailAsync(PortalFactory.AdminEmail);
        Assert.NotNull(admin);
        Assert.True(await users.IsInRoleAsync(admin, Roles.Admin));
    }
}
