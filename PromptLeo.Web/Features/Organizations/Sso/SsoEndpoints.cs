using Microsoft.AspNetCore.Antiforgery;
using System.Net.Mail;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Organizations.Sso;

/// <summary>Start (work e-mail → the organization's provider) and completion (JIT membership, the app's own sign-in) of organization SSO.</summary>
public static class SsoEndpoints
{
    internal const string CompletePath = "/organization/sso/complete";
    private const string OrganizationItem = "pl:org";
    private const string ReturnUrlItem = "pl:returnUrl";

    public static IEndpointRouteBuilder MapPromptLeoSso(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/organization/sso");

        // The login page's form: antiforgery-checked like the account endpoints, answered with a challenge or a message.
        group.MapPost("/start", StartAsync)
            .WithMetadata(new RequireAntiforgeryTokenAttribute())
            .AddEndpointFilter(Microsoft.AspNetCore.Routing.IdentityComponentsEndpointRouteBuilderExtensions.RejectInvalidAntiforgeryToken);
        group.MapGet("/complete", CompleteAsync);
        return endpoints;
    }

    private static async Task<IResult> StartAsync(HttpContext context, IDbContextFactory<AppDbContext> dbFactory, SsoSchemes schemes)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var email = form["email"].ToString().Trim();
        if (email.Length > 256 || !MailAddress.TryCreate(email, out var address) || address.Address != email)
        {
            return Refuse(SsoMessages.InvalidEmail);
        }
        var domain = address.Host.ToLowerInvariant();
        await using var db = await dbFactory.CreateDbContextAsync(context.RequestAborted);
        var config = await db.OrganizationSso.AsNoTracking().Where(s => s.Domains.Contains(domain))
            .Select(s => new { s.OrganizationId, s.Enabled }).FirstOrDefaultAsync(context.RequestAborted);
        if (config is null)
        {
            return Refuse(SsoMessages.UnknownDomain);
        }
        if (!config.Enabled || await schemes.EnsureAsync(config.OrganizationId, context.RequestAborted) is not { } scheme)
        {
            return Refuse(SsoMessages.Disabled);
        }
        var properties = new AuthenticationProperties { RedirectUri = CompletePath };
        properties.Items[OrganizationItem] = config.OrganizationId.ToString("N");
        properties.Items[ReturnUrlItem] = Preferences.PreferencesEndpoints.SafeReturnUrl(form["returnUrl"]);
        properties.Items[SsoEvents.LoginHintItem] = email;
        return Results.Challenge(properties, [scheme]);
    }

    private static async Task<IResult> CompleteAsync(HttpContext context, SsoSignIn ssoSignIn, SignInManager<ApplicationUser> signInManager)
    {
        var external = await context.AuthenticateAsync(IdentityConstants.ExternalScheme);
        if (!external.Succeeded || external.Properties?.Items.TryGetValue(OrganizationItem, out var item) != true || !Guid.TryParseExact(item, "N", out var organizationId))
        {
            return Refuse(SsoMessages.Failed);
        }
        var returnUrl = Preferences.PreferencesEndpoints.SafeReturnUrl(external.Properties.Items.TryGetValue(ReturnUrlItem, out var url) ? url : null);
        var result = await ssoSignIn.CompleteAsync(organizationId, external.Principal, context.RequestAborted);
        if (result.ProviderKey is null)
        {
            await context.SignOutAsync(IdentityConstants.ExternalScheme);
            return Refuse(result.Refusal ?? SsoMessages.Failed);
        }
        // The app's own sign-in: disabled and locked accounts are refused there too, the session row starts with the cookie,
        // and the external cookie is removed. The organization's provider stands for the second factor.
        var signIn = await signInManager.ExternalLoginSignInAsync(SsoSchemes.LoginProvider, result.ProviderKey, isPersistent: false, bypassTwoFactor: true);
        if (!signIn.Succeeded)
        {
            await context.SignOutAsync(IdentityConstants.ExternalScheme);
            return Refuse(SsoMessages.AccountDisabled);
        }
        return Results.LocalRedirect(returnUrl);
    }

    private static IResult Refuse(string code) => Results.LocalRedirect("/Account/Login?sso=" + code);
}
