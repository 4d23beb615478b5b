using Microsoft.AspNetCore.DataProtection;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Organizations.Sso;

/// <summary>What the settings page shows: everything but the secret, of which only its presence is told.</summary>
public sealed record SsoSettingsView(Guid OrganizationId, string OrganizationName, string Authority, string ClientId, bool HasSecret,
    IReadOnlyList<string> Domains, OrganizationRole JoinRole, bool Enabled, string CallbackPath);

/// <summary>The owner's input; a blank secret keeps the stored one.</summary>
public sealed record SsoSettingsInput(string Authority, string ClientId, string? ClientSecret, string Domains, OrganizationRole JoinRole, bool Enabled);

/// <summary>Why settings were not saved: a resource key (English text) with its arguments.</summary>
public sealed class SsoSettingsException(string message, params object[] arguments) : Exception(message)
{
    public object[] Arguments { get; } = arguments;
}

/// <summary>Stable audit action names of the SSO settings (the organization's audit log).</summary>
public static class SsoAuditActions
{
    public const string Configured = "org.sso-configured";
}

/// <summary>
/// An organization's single sign-on settings: read and changed by its owners only (checked here, on every call), the
/// client secret protected with Data Protection and never handed back, every change in the organization's audit log.
/// </summary>
public sealed partial class OrganizationSsoSettings(
    IDbContextFactory<AppDbContext> dbFactory,
    OrganizationDirectory directory,
    SsoSchemes schemes,
    IOptions<SsoOptions> options,
    TimeProvider time,
    ILogger<OrganizationSsoSettings> logger)
{
    private const int MaxDomains = 20;

    /// <summary>The settings of the organization the user acts for; null unless they are an owner of a company organization.</summary>
    public async Task<SsoSettingsView?> GetAsync(string userId, CancellationToken cancellationToken = default)
    {
        var membership = await directory.ActiveAsync(userId, cancellationToken);
        if (!MayConfigure(membership))
        {
            return null;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.OrganizationSso.AsNoTracking().FirstOrDefaultAsync(s => s.OrganizationId == membership.OrganizationId, cancellationToken);
        return new SsoSettingsView(membership.OrganizationId, membership.Name, row?.Authority ?? "", row?.ClientId ?? "", row is not null,
            row?.Domains ?? [], row?.JoinRole ?? OrganizationRole.Member, row?.Enabled ?? false, SsoSchemes.CallbackPath(membership.OrganizationId));
    }

    /// <summary>Saves the settings of <paramref name="organizationId"/> after checking that the user is one of its owners.</summary>
    /// <exception cref="UnauthorizedAccessException">The user is not an owner of a company organization.</exception>
    /// <exception cref="SsoSettingsException">The input is not valid; the message is a resource key.</exception>
    public async Task SaveAsync(string userId, Guid organizationId, SsoSettingsInput input, CancellationToken cancellationToken = default)
    {
        if (await directory.MembershipAsync(organizationId, userId, cancellationToken) is not { } membership || !MayConfigure(membership))
        {
            throw new UnauthorizedAccessException("Only an owner of a company organization may change its single sign-on.");
        }
        var authority = ValidAuthority(input.Authority);
        var clientId = input.ClientId.Trim();
        if (clientId.Length is 0 or > 200)
        {
            throw new SsoSettingsException("Enter the client id (application id) the provider gave you.");
        }
        if (input.JoinRole is OrganizationRole.Owner || !Enum.IsDefined(input.JoinRole))
        {
            throw new SsoSettingsException("People who join by single sign-on cannot become owners. Choose Admin, Member or Billing.");
        }
        var domains = ValidDomains(input.Domains);

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var others = await db.OrganizationSso.Where(s => s.OrganizationId != organizationId && s.Domains.Any(d => domains.Contains(d)))
            .Select(s => s.Domains).FirstOrDefaultAsync(cancellationToken);
        if (others?.Intersect(domains).FirstOrDefault() is { } taken)
        {
            throw new SsoSettingsException("The domain {0} already signs in with another organization.", taken);
        }
        var row = await db.OrganizationSso.FirstOrDefaultAsync(s => s.OrganizationId == organizationId, cancellationToken);
        var secret = input.ClientSecret?.Trim();
        if (row is null && string.IsNullOrEmpty(secret))
        {
            throw new SsoSettingsException("Enter the client secret the provider gave you.");
        }
        if (secret is { Length: > 1000 })
        {
            throw new SsoSettingsException("The client secret is too long.");
        }
        if (row is null)
        {
            row = new OrganizationSso { OrganizationId = organizationId };
            db.OrganizationSso.Add(row);
        }
        row.Authority = authority;
        row.ClientId = clientId;
        if (!string.IsNullOrEmpty(secret))
        {
            row.ProtectedClientSecret = schemes.SecretProtector.Protect(secret);
        }
        row.Domains = domains;
        row.JoinRole = input.JoinRole;
        row.Enabled = input.Enabled;
        row.Version = Guid.NewGuid();
        row.UpdatedAt = time.GetUtcNow();
        db.AuditEntries.Add(directory.Audit(userId, organizationId, SsoAuditActions.Configured,
            $"provider {new Uri(authority).Host}, domains {string.Join(" ", domains)}, join role {input.JoinRole}, {(input.Enabled ? "on" : "off")}{(string.IsNullOrEmpty(secret) ? "" : ", new client secret")}"));
        await db.SaveChangesAsync(cancellationToken);
        await schemes.EnsureAsync(organizationId, cancellationToken);
        logger.LogInformation("Single sign-on of organization {OrganizationId} changed by {UserId}", organizationId, userId);
    }

    private static bool MayConfigure(Membership membership) => !membership.IsPersonal && OrganizationPermissions.IsOwner(membership.Role);

    private string ValidAuthority(string value)
    {
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || uri.Query.Length > 0 || uri.Fragment.Length > 0
            || uri.UserInfo.Length > 0 || uri.AbsoluteUri.Length > 500)
        {
            throw new SsoSettingsException("Enter the provider's issuer URL, e.g. https://login.microsoftonline.com/<tenant id>/v2.0.");
        }
        var loopbackHttp = uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback && options.Value.AllowLoopbackHttp;
        if (uri.Scheme != Uri.UriSchemeHttps && !loopbackHttp)
        {
            throw new SsoSettingsException("The provider's URL must start with https://.");
        }
        return uri.AbsoluteUri.TrimEnd('/');
    }

    private static List<string> ValidDomains(string value)
    {
        var domains = value.Split([',', ';', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)
            .Select(d => d.TrimStart('@').TrimEnd('.').ToLowerInvariant()).Distinct().ToList();
        if (domains.Count is 0 or > MaxDomains)
        {
            throw new SsoSettingsException("Enter one to twenty e-mail domains of your organization, e.g. firma.de.");
        }
        if (domains.FirstOrDefault(d => !DomainPattern().IsMatch(d)) is { } invalid)
        {
            throw new SsoSettingsException("{0} is not an e-mail domain.", invalid);
        }
        return domains;
    }

    [GeneratedRegex(@"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")]
    private static partial Regex DomainPattern();
}
