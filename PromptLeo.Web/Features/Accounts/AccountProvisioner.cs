using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Accounts;

/// <summary>Creates the roles, and administrators from configuration or the command line.</summary>
public sealed class AccountProvisioner(
    UserManager<ApplicationUser> users,
    RoleManager<IdentityRole> roles,
    IOptions<AdminOptions> adminOptions,
    Privacy.AuditLog audit,
    ILogger<AccountProvisioner> logger)
{
    public async Task EnsureRolesAsync()
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }
    }

    /// <summary>Creates the configured first admin once; later starts leave the account alone.</summary>
    public async Task EnsureConfiguredAdminAsync()
    {
        var o = adminOptions.Value;
        if (string.IsNullOrWhiteSpace(o.Email) || await users.FindByEmailAsync(o.Email) is not null)
        {
            return;
        }
        var password = o.ResolvePassword();
        if (string.IsNullOrWhiteSpace(password))
        {
            return;
        }
        var result = await CreateAdminAsync(o.Email, password);
        if (!result.Succeeded)
        {
            // Error codes only: descriptions may echo input.
            logger.LogError("The configured admin could not be created: {ErrorCodes}", string.Join(",", result.Errors.Select(e => e.Code)));
        }
    }

    /// <summary>Creates a confirmed admin, or adds the Admin role to an existing account with that e-mail.</summary>
    public async Task<IdentityResult> CreateAdminAsync(string email, string password)
    {
        await EnsureRolesAsync();
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
            var created = await users.CreateAsync(user, password);
            if (!created.Succeeded)
            {
                return created;
            }
            await users.AddToRoleAsync(user, Roles.User);
        }
        if (!await users.IsInRoleAsync(user, Roles.Admin))
        {
            var added = await users.AddToRoleAsync(user, Roles.Admin);
            if (!added.Succeeded)
            {
                return added;
            }
            await audit.WriteAsync(Privacy.AuditActions.System, user.Id, Privacy.AuditActions.RoleChanged, "added to Admin");
        }
        logger.LogInformation("Admin role granted to user {UserId}", user.Id);
        return IdentityResult.Success;
    }
}
