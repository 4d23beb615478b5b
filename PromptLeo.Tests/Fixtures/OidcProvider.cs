using Microsoft.AspNetCore;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PromptLeo.Tests.Fixtures;

/// <summary>The person the provider signs in next (no login form: it answers every authorization request for them); an empty e-mail sends none.</summary>
public sealed record OidcUser(string Subject, string Email, bool? EmailVerified = true, string? Locale = null);

/// <summary>
/// A real OpenID Connect provider (OpenIddict server, EF Core store on in-memory SQLite) on a loopback port, issuing
/// authorization codes (PKCE required) and signed ID tokens for <see cref="User"/>, as Entra ID or Keycloak would.
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    private readonly SqliteConnection connection = new("DataSource=:memory:");
    private WebApplication app = null!;

    private OidcProvider()
    {
    }

    /// <summary>The issuer URL with its trailing slash, as the discovery document states it.</summary>
    public string Issuer { get; private set; } = "";

    public OidcUser User { get; set; } = new("sub-1", "anna@firma.test");

    /// <summary>How many authorization requests arrived, and the last one's login_hint.</summary>
    public int AuthorizationRequests { get; private set; }

    public string? LastLoginHint { get; private set; }

    public static async Task<OidcProvider> StartAsync()
    {
        var provider = new OidcProvider();
        await provider.connection.OpenAsync();
        (provider.app, var baseUrl) = await LoopbackServer.StartAsync(provider.Map, provider.Configure);
        provider.Issuer = baseUrl.TrimEnd('/') + "/";
        await using var scope = provider.app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ProviderDb>().Database.EnsureCreatedAsync();
        return provider;
    }

    /// <summary>Registers a confidential client allowed the code flow with PKCE and the given redirect URI.</summary>
    public async Task RegisterClientAsync(string clientId, string clientSecret, string redirectUri)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = clientSecret,
            ClientType = ClientTypes.Confidential,
            RedirectUris = { new Uri(redirectUri) },
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.ResponseTypes.Code,
                Permissions.Scopes.Email,
                Permissions.Scopes.Profile,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        });
    }

    private void Configure(WebApplicationBuilder builder)
    {
        builder.Services.AddDbContext<ProviderDb>(options => options.UseSqlite(connection).UseOpenIddict());
        builder.Services.AddOpenIddict()
            .AddCore(options => options.UseEntityFrameworkCore().UseDbContext<ProviderDb>())
            .AddServer(options =>
            {
                options.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
                options.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                options.RegisterScopes(Scopes.Email, Scopes.Profile);
                options.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
                options.DisableAccessTokenEncryption();
                // Loopback http in tests; a real provider is https.
                options.UseAspNetCore().EnableAuthorizationEndpointPassthrough().EnableTokenEndpointPassthrough().DisableTransportSecurityRequirement();
            });
    }

    private void Map(WebApplication web)
    {
        web.UseAuthentication();
        web.MapGet("/connect/authorize", (HttpContext context) =>
        {
            var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
            AuthorizationRequests++;
            LastLoginHint = request.LoginHint;
            var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
            identity.AddClaim(new Claim(Claims.Subject, User.Subject));
            if (User.Email.Length > 0)
            {
                identity.AddClaim(new Claim(Claims.Email, User.Email));
            }
            if (User.EmailVerified is { } verified)
            {
                identity.AddClaim(new Claim(Claims.EmailVerified, verified ? "true" : "false", ClaimValueTypes.Boolean));
            }
            if (User.Locale is { } locale)
            {
                identity.AddClaim(new Claim(Claims.Locale, locale));
            }
            identity.SetScopes(request.GetScopes());
            identity.SetDestinations(_ => [Destinations.AccessToken, Destinations.IdentityToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });
        // The code's principal, as issued at the authorization endpoint, becomes the ID token.
        web.MapPost("/connect/token", async (HttpContext context) =>
        {
            var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            return Results.SignIn(result.Principal!, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });
    }

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        await connection.DisposeAsync();
    }

    private sealed class ProviderDb(DbContextOptions<ProviderDb> options) : DbContext(options);
}
