using PromptLeo.Web.Features.Accounts;
using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Sessions;

namespace PromptLeo.Web.Components.Account;

// Revalidates the security stamp and the session row of the connected user every validation interval while an
// interactive circuit is connected, so an erased, signed-out or changed account loses its open tabs too.
internal sealed class IdentityRevalidatingAuthenticationStateProvider(
        ILoggerFactory loggerFactory,
        IServiceScopeFactory scopeFactory,
        IOptions<IdentityOptions> options,
        IOptions<SessionsOptions> sessionOptions,
        SessionStore sessions)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    // A zero interval (tests) would spin; a circuit checks at least once a second.
    protected override TimeSpan RevalidationInterval =>
        sessionOptions.Value.ValidationInterval < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : sessionOptions.Value.ValidationInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(
        AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        // Get the user manager from a new scope to ensure it fetches fresh data
        await using var scope = scopeFactory.CreateAsyncScope();
        var userManager = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var principal = authenticationState.User;
        return await ValidateSecurityStampAsync(userManager, principal)
            && principal.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId
            && SessionStore.IdOf(principal) is { } sessionId
            && await sessions.IsActiveAsync(userId, sessionId, http: null, fresh: true, cancellationToken);
    }

    private async Task<bool> ValidateSecurityStampAsync(UserManager<ApplicationUser> userManager, ClaimsPrincipal principal)
    {
        var user = await userManager.GetUserAsync(principal);
        if (user is null || user.DisabledAt is not null)
        {
            return false;
        }
        else if (!userManager.SupportsUserSecurityStamp)
        {
            return true;
        }
        else
        {
            var principalStamp = principal.FindFirstValue(options.Value.ClaimsIdentity.SecurityStampClaimType);
            var userStamp = await userManager.GetSecurityStampAsync(user);
            return principalStamp == userStamp;
        }
    }
}
