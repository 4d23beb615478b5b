using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Organizations.Sso;

/// <summary>The identity provider one organization's sign-in scheme talks to, with the secret unprotected in memory only.</summary>
internal sealed record SsoProvider(string Authority, string ClientId, string ClientSecret, Guid Version);

/// <summary>
/// One OpenID Connect authentication scheme per organization (<c>sso-{id}</c>), added at run time through
/// <see cref="IAuthenticationSchemeProvider"/> as ASP.NET Core's dynamic-schemes sample does. Its options are built by
/// the options factory (so <see cref="OpenIdConnectPostConfigureOptions"/> sets up state, nonce and correlation
/// protection) and rebuilt whenever the stored configuration's version changes, on every portal node.
/// </summary>
public sealed class SsoSchemes(
    IAuthenticationSchemeProvider schemes,
    IOptionsMonitorCache<OpenIdConnectOptions> optionsCache,
    IDbContextFactory<AppDbContext> dbFactory,
    IDataProtectionProvider protection)
{
    public const string LoginProvider = "OpenIdConnect";
    internal const string SchemePrefix = "sso-";
    internal const string CallbackPrefix = "/organization/sso/callback";
    internal const string SecretPurpose = "PromptLeo.OrganizationSso.ClientSecret.v1";

    private readonly ConcurrentDictionary<Guid, SsoProvider> providers = new();
    private readonly SemaphoreSlim refresh = new(1, 1);

    public static string SchemeName(Guid organizationId) => SchemePrefix + organizationId.ToString("N");

    /// <summary>The redirect URI's path that the provider sends people back to (register it at the provider).</summary>
    public static string CallbackPath(Guid organizationId) => CallbackPrefix + "/" + organizationId.ToString("N");

    internal static bool TryParseScheme(string? name, out Guid organizationId)
    {
        organizationId = default;
        return name is not null && name.StartsWith(SchemePrefix, StringComparison.Ordinal) && Guid.TryParseExact(name[SchemePrefix.Length..], "N", out organizationId);
    }

    internal SsoProvider? Provider(Guid organizationId) => providers.GetValueOrDefault(organizationId);

    internal IDataProtector SecretProtector => protection.CreateProtector(SecretPurpose);

    /// <summary>Registers or refreshes the organization's scheme from the database; null when it has no SSO configuration.</summary>
    public async Task<string?> EnsureAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.OrganizationSso.AsNoTracking().FirstOrDefaultAsync(s => s.OrganizationId == organizationId, cancellationToken);
        var name = SchemeName(organizationId);
        if (row is null)
        {
            if (providers.TryRemove(organizationId, out _))
            {
                schemes.RemoveScheme(name);
                optionsCache.TryRemove(name);
            }
            return null;
        }
        if (providers.TryGetValue(organizationId, out var current) && current.Version == row.Version)
        {
            return name;
        }
        await refresh.WaitAsync(cancellationToken);
        try
        {
            providers[organizationId] = new SsoProvider(row.Authority, row.ClientId, SecretProtector.Unprotect(row.ProtectedClientSecret), row.Version);
            // Rebuilt on next use with the new provider; a sign-in already under way keeps its state (same data protector).
            optionsCache.TryRemove(name);
            schemes.TryAddScheme(new AuthenticationScheme(name, null, typeof(OpenIdConnectHandler)));
        }
        finally
        {
            refresh.Release();
        }
        return name;
    }
}

/// <summary>Builds an organization scheme's <see cref="OpenIdConnectOptions"/>: Authorization Code with PKCE, its provider, its callback.</summary>
internal sealed class SsoOpenIdConnectOptionsSetup(SsoSchemes schemes, SsoEvents events) : IConfigureNamedOptions<OpenIdConnectOptions>
{
    public void Configure(OpenIdConnectOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, OpenIdConnectOptions options)
    {
        if (!SsoSchemes.TryParseScheme(name, out var organizationId) || schemes.Provider(organizationId) is not { } provider)
        {
            return;
        }
        options.Authority = provider.Authority;
        options.ClientId = provider.ClientId;
        options.ClientSecret = provider.ClientSecret;
        // Only a loopback provider may be plain http, and it was accepted at save time only where the operator allows it.
        options.RequireHttpsMetadata = !new Uri(provider.Authority).IsLoopback;
        options.CallbackPath = SsoSchemes.CallbackPath(organizationId);
        options.SignInScheme = IdentityConstants.ExternalScheme;
        options.ResponseType = "code";
        options.ResponseMode = "query";
        options.UsePkce = true;
        options.Scope.Clear();
        options.Scope.Add("openid");
        options.Scope.Add("profile");
        options.Scope.Add("email");
        // Keep the protocol's claim names (sub, email, email_verified, locale) instead of WS-Federation URIs.
        options.MapInboundClaims = false;
        options.SaveTokens = false;
        options.GetClaimsFromUserInfoEndpoint = false;
        options.DisableTelemetry = true;
        // The provider sends the browser back with a top-level GET (response_mode=query), so Lax cookies travel with it;
        // on https they are Secure, and plain http works for a loopback provider in development.
        options.CorrelationCookie.SameSite = SameSiteMode.Lax;
        options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.NonceCookie.SameSite = SameSiteMode.Lax;
        options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.Events = events;
    }
}
