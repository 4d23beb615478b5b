using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Accounts;

/// <summary>
/// Puts the profile's display name into the sign-in cookie, so the app bar and the greeting show it without a database
/// read per page. A profile change refreshes the cookie (RefreshSignInAsync), the security-stamp check re-issues it.
/// </summary>
public sealed class DisplayNameClaimsFactory(UserManager<ApplicationUser> users, RoleManager<IdentityRole> roles, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<ApplicationUser, IdentityRole>(users, roles, options)
{
    public const string ClaimType = "promptleo:display_name";

    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(ApplicationUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        if (!string.IsNullOrWhiteSpace(user.DisplayName))
        {
            identity.AddClaim(new Claim(ClaimType, user.DisplayName.Trim()));
        }
        return identity;
    }

    /// <summary>The name to greet: the display name, else the part of the e-mail address before the @.</summary>
    public static string NameOf(ClaimsPrincipal user)
    {
        if (user.FindFirst(ClaimType)?.Value is { Length: > 0 } displayName)
        {
            return displayName;
        }
        var email = user.Identity?.Name ?? "";
        var at = email.IndexOf('@');
        return at > 0 ? email[..at] : email;
    }
}
