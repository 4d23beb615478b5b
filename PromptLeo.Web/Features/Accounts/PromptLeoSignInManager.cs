using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Accounts;

/// <summary>
/// Identity's sign-in with two additions: an unknown e-mail costs the same password hash as a known one (no timing
/// oracle for which addresses have accounts), and accounts disabled by an admin cannot sign in. Sign-ins, sign-outs and
/// failed sign-ins of an existing account go to its activity log (no address, no password, just what happened).
/// </summary>
public sealed class PromptLeoSignInManager(
    UserManager<ApplicationUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<ApplicationUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<ApplicationUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<ApplicationUser> confirmation,
    IAccountActivity activity)
    : SignInManager<ApplicationUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    private static readonly ApplicationUser Nobody = new() { Id = "nobody" };
    private static string? dummyHash;

    // A refresh (after a password or profile change) re-issues the cookie of a session that is already signed in.
    private bool refreshing;

    public override async Task<SignInResult> PasswordSignInAsync(string userName, string password, bool isPersistent, bool lockoutOnFailure)
    {
        var user = await UserManager.FindByNameAsync(userName);
        if (user is null)
        {
            // Verify against a throw-away hash so the answer takes as long as a wrong password for a real account.
            dummyHash ??= UserManager.PasswordHasher.HashPassword(Nobody, Guid.NewGuid().ToString("N"));
            UserManager.PasswordHasher.VerifyHashedPassword(Nobody, dummyHash, password);
            return SignInResult.Failed;
        }
        return await PasswordSignInAsync(user, password, isPersistent, lockoutOnFailure);
    }

    public override async Task<SignInResult> CheckPasswordSignInAsync(ApplicationUser user, string password, bool lockoutOnFailure)
    {
        var result = await base.CheckPasswordSignInAsync(user, password, lockoutOnFailure);
        if (!result.Succeeded)
        {
            await activity.RecordAsync(user.Id, AccountAuditActions.SignInFailed, FailureText(result, "wrong password"));
        }
        return result;
    }

    public override async Task<SignInResult> TwoFactorAuthenticatorSignInAsync(string code, bool isPersistent, bool rememberClient) =>
        await SecondFactorAuditedAsync(await GetTwoFactorAuthenticationUserAsync(), await base.TwoFactorAuthenticatorSignInAsync(code, isPersistent, rememberClient));

    public override async Task<SignInResult> TwoFactorRecoveryCodeSignInAsync(string recoveryCode) =>
        await SecondFactorAuditedAsync(await GetTwoFactorAuthenticationUserAsync(), await base.TwoFactorRecoveryCodeSignInAsync(recoveryCode));

    public override async Task SignInWithClaimsAsync(ApplicationUser user, AuthenticationProperties? authenticationProperties, IEnumerable<System.Security.Claims.Claim> additionalClaims)
    {
        await base.SignInWithClaimsAsync(user, authenticationProperties, additionalClaims);
        if (!refreshing)
        {
            await activity.RecordAsync(user.Id, AccountAuditActions.SignedIn);
        }
    }

    public override async Task RefreshSignInAsync(ApplicationUser user)
    {
        refreshing = true;
        try
        {
            await base.RefreshSignInAsync(user);
        }
        finally
        {
            refreshing = false;
        }
    }

    public override async Task SignOutAsync()
    {
        var userId = Context.User.Identity?.IsAuthenticated == true ? UserManager.GetUserId(Context.User) : null;
        await base.SignOutAsync();
        if (userId is not null)
        {
            await activity.RecordAsync(userId, AccountAuditActions.SignedOut);
        }
    }

    private async Task<SignInResult> SecondFactorAuditedAsync(ApplicationUser? user, SignInResult result)
    {
        if (user is not null && !result.Succeeded)
        {
            await activity.RecordAsync(user.Id, AccountAuditActions.SignInFailed, FailureText(result, "second factor"));
        }
        return result;
    }

    private static string FailureText(SignInResult result, string reason) =>
        result.IsLockedOut ? "locked out" : result.IsNotAllowed ? "not allowed" : reason;

    // A locked account (an erasure in progress, too many second-factor failures) says so before anything else.
    protected override async Task<SignInResult?> PreSignInCheck(ApplicationUser user) =>
        await IsLockedOut(user) ? await LockedOut(user) : await base.PreSignInCheck(user);

    public override async Task<bool> CanSignInAsync(ApplicationUser user) =>
        user.DisabledAt is null && await base.CanSignInAsync(user);
}
