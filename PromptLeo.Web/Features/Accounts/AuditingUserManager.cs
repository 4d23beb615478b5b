using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Accounts;

/// <summary>
/// Identity's user manager writing the account events the user's activity log shows (created, e-mail confirmed,
/// password and second-factor changes), whichever page or service calls it. Only successful changes are logged.
/// </summary>
public sealed class AuditingUserManager(
    IUserStore<ApplicationUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<ApplicationUser> passwordHasher,
    IEnumerable<IUserValidator<ApplicationUser>> userValidators,
    IEnumerable<IPasswordValidator<ApplicationUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<ApplicationUser>> logger,
    IAccountActivity activity)
    : UserManager<ApplicationUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    public override Task<IdentityResult> CreateAsync(ApplicationUser user) =>
        AuditedAsync(base.CreateAsync(user), user, AccountAuditActions.Registered);

    public override Task<IdentityResult> ConfirmEmailAsync(ApplicationUser user, string token) =>
        AuditedAsync(base.ConfirmEmailAsync(user, token), user, AccountAuditActions.EmailConfirmed);

    public override Task<IdentityResult> ChangePasswordAsync(ApplicationUser user, string currentPassword, string newPassword) =>
        AuditedAsync(base.ChangePasswordAsync(user, currentPassword, newPassword), user, AccountAuditActions.PasswordChanged);

    public override Task<IdentityResult> AddPasswordAsync(ApplicationUser user, string password) =>
        AuditedAsync(base.AddPasswordAsync(user, password), user, AccountAuditActions.PasswordSet);

    public override Task<IdentityResult> ResetPasswordAsync(ApplicationUser user, string token, string newPassword) =>
        AuditedAsync(base.ResetPasswordAsync(user, token, newPassword), user, AccountAuditActions.PasswordReset);

    public override async Task<IdentityResult> SetTwoFactorEnabledAsync(ApplicationUser user, bool enabled)
    {
        // Only a real switch: the pages also call it to keep the state as it is.
        var before = await GetTwoFactorEnabledAsync(user);
        var result = await base.SetTwoFactorEnabledAsync(user, enabled);
        return before == enabled ? result : await AuditedAsync(Task.FromResult(result), user, enabled ? AccountAuditActions.TwoFactorEnabled : AccountAuditActions.TwoFactorDisabled);
    }

    public override async Task<IdentityResult> ResetAuthenticatorKeyAsync(ApplicationUser user)
    {
        // The setup page creates the first key on its own; only replacing a key in use is the user's change.
        var replacesKey = await GetAuthenticatorKeyAsync(user) is not null;
        var result = await base.ResetAuthenticatorKeyAsync(user);
        return replacesKey ? await AuditedAsync(Task.FromResult(result), user, AccountAuditActions.AuthenticatorReset) : result;
    }

    public override async Task<IEnumerable<string>?> GenerateNewTwoFactorRecoveryCodesAsync(ApplicationUser user, int number)
    {
        var codes = await base.GenerateNewTwoFactorRecoveryCodesAsync(user, number);
        if (codes is not null)
        {
            await activity.RecordAsync(user.Id, AccountAuditActions.RecoveryCodesGenerated, $"{number} codes");
        }
        return codes;
    }

    private async Task<IdentityResult> AuditedAsync(Task<IdentityResult> change, ApplicationUser user, string action)
    {
        var result = await change;
        if (result.Succeeded)
        {
            await activity.RecordAsync(user.Id, action);
        }
        return result;
    }
}
