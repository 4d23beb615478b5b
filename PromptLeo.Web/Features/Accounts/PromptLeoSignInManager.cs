using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Accounts;

/// <summary>
/// Identity's sign-in with two additions: an unknown e-mail costs the same password hash as a known one (no timing
/// oracle for which addresses have accounts), and accounts disabled by an admin cannot sign in.
/// </summary>
public sealed class PromptLeoSignInManager(
    UserManager<ApplicationUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<ApplicationUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<ApplicationUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<ApplicationUser> confirmation)
    : SignInManager<ApplicationUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    private static readonly ApplicationUser Nobody = new() { Id = "nobody" };
    private static string? dummyHash;

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

    // A locked account (an erasure in progress, too many second-factor failures) says so before anything else.
    protected override async Task<SignInResult?> PreSignInCheck(ApplicationUser user) =>
        await IsLockedOut(user) ? await LockedOut(user) : await base.PreSignInCheck(user);

    public override async Task<bool> CanSignInAsync(ApplicationUser user) =>
        user.DisabledAt is null && await base.CanSignInAsync(user);
}
