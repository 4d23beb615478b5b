using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Organizations.Sso;

/// <summary>The outcome of an organization sign-in: the account to sign in, or the <see cref="SsoMessages"/> code that refuses it.</summary>
public sealed record SsoSignInResult(string? ProviderKey, string? Refusal)
{
    public static SsoSignInResult Refused(string code) => new(null, code);
}

/// <summary>
/// Just-in-time membership after the provider's answer was validated (signature, issuer, audience, nonce, state, PKCE):
/// trusts the e-mail only inside the organization's own domains, finds the account by its link to the provider (or by
/// e-mail), creates it when there is none, links the provider, adds the membership with the configured role and makes
/// the organization the one the portal acts for.
/// </summary>
public sealed class SsoSignIn(
    IDbContextFactory<AppDbContext> dbFactory,
    UserManager<ApplicationUser> users,
    OrganizationDirectory directory,
    TimeProvider time,
    ILogger<SsoSignIn> logger)
{
    public async Task<SsoSignInResult> CompleteAsync(Guid organizationId, ClaimsPrincipal external, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var config = await db.OrganizationSso.AsNoTracking().FirstOrDefaultAsync(s => s.OrganizationId == organizationId, cancellationToken);
        if (config is not { Enabled: true })
        {
            return SsoSignInResult.Refused(SsoMessages.Disabled);
        }
        // The subject's issuer is the validated token's "iss": together they name the person at that provider for good.
        if (external.FindFirst("sub") is not { Value.Length: > 0 } subject)
        {
            return SsoSignInResult.Refused(SsoMessages.Failed);
        }
        var email = external.FindFirst("email")?.Value.Trim() ?? "";
        var at = email.LastIndexOf('@');
        if (at <= 0 || at == email.Length - 1)
        {
            return SsoSignInResult.Refused(SsoMessages.NoEmail);
        }
        if (string.Equals(external.FindFirst("email_verified")?.Value, "false", StringComparison.OrdinalIgnoreCase))
        {
            return SsoSignInResult.Refused(SsoMessages.EmailNotVerified);
        }
        // The provider speaks for the organization's own domains only: never for anyone else's address.
        if (!config.Domains.Contains(email[(at + 1)..].ToLowerInvariant()))
        {
            logger.LogWarning("Organization {OrganizationId} sign-in refused: e-mail outside its domains", organizationId);
            return SsoSignInResult.Refused(SsoMessages.DomainNotVerified);
        }
        var providerKey = subject.Issuer + "|" + subject.Value;

        var user = await users.FindByLoginAsync(SsoSchemes.LoginProvider, providerKey);
        var linked = user is not null;
        user ??= await users.FindByEmailAsync(email);
        if (user is null)
        {
            user = new ApplicationUser
            {
                UserName = email,
                Email = email,
                EmailConfirmed = true,
                PreferredLanguage = external.FindFirst("locale")?.Value.StartsWith("de", StringComparison.OrdinalIgnoreCase) == true ? "de" : "en",
                CreatedAt = time.GetUtcNow(),
            };
            var created = await users.CreateAsync(user);
            if (!created.Succeeded)
            {
                logger.LogWarning("Organization {OrganizationId} sign-in could not create the account: {Errors}", organizationId, string.Join(",", created.Errors.Select(e => e.Code)));
                return SsoSignInResult.Refused(SsoMessages.Failed);
            }
            logger.LogInformation("Account {UserId} created by single sign-on of organization {OrganizationId}", user.Id, organizationId);
        }
        else if (user.DisabledAt is not null || await users.IsLockedOutAsync(user))
        {
            return SsoSignInResult.Refused(SsoMessages.AccountDisabled);
        }
        else if (!linked && await OrganizationDirectory.MembershipAsync(db, organizationId, user.Id, cancellationToken) is null)
        {
            // Domains are the owner's word, not proven: an account someone registered themselves is never handed to a provider
            // unless its holder joined the organization (invitation) first.
            return SsoSignInResult.Refused(SsoMessages.AccountNotMember);
        }

        if (!linked)
        {
            var added = await users.AddLoginAsync(user, new UserLoginInfo(SsoSchemes.LoginProvider, providerKey, "Organization SSO"));
            if (!added.Succeeded)
            {
                return SsoSignInResult.Refused(SsoMessages.Failed);
            }
        }
        if (await OrganizationDirectory.MembershipAsync(db, organizationId, user.Id, cancellationToken) is null)
        {
            var now = time.GetUtcNow();
            db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = organizationId, UserId = user.Id, Role = config.JoinRole, JoinedAt = now });
            db.AuditEntries.Add(directory.Audit(user.Id, organizationId, OrganizationAuditActions.MemberJoined, $"sso, role {config.JoinRole}"));
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // A parallel sign-in of the same person added the membership first.
            }
        }
        await directory.SetActiveAsync(user.Id, organizationId, cancellationToken);
        return new SsoSignInResult(providerKey, null);
    }
}
