using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace PromptLeo.Web.Features.Sessions;

/// <summary>
/// Hooks the session rows into the application cookie. Each handler is chained onto what is already there
/// (Identity's security-stamp check included), never replacing the events object.
/// </summary>
internal static class SessionCookieEvents
{
    public static void Attach(CookieAuthenticationEvents events)
    {
        var signingIn = events.OnSigningIn;
        events.OnSigningIn = async context =>
        {
            await signingIn(context);
            await StartOrKeepSessionAsync(context);
        };

        var validate = events.OnValidatePrincipal;
        events.OnValidatePrincipal = async context =>
        {
            await validate(context); // Identity's SecurityStampValidator: erased users, changed stamps
            if (context.Principal is not null)
            {
                await CheckSessionAsync(context);
            }
        };

        var signingOut = events.OnSigningOut;
        events.OnSigningOut = async context =>
        {
            await signingOut(context);
            var user = context.HttpContext.User;
            if (SessionStore.IdOf(user) is { } sessionId && user.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId)
            {
                await Store(context.HttpContext).RevokeAsync(userId, sessionId, context.HttpContext.RequestAborted);
            }
        };
    }

    private static async Task StartOrKeepSessionAsync(CookieSigningInContext context)
    {
        if (context.Principal?.Identity is not ClaimsIdentity identity || identity.FindFirst(ClaimTypes.NameIdentifier)?.Value is not { } userId)
        {
            return;
        }
        var store = Store(context.HttpContext);
        // A refresh (password change, profile edit) re-signs the same browser: it keeps its session.
        Guid? sessionId = null;
        if (context.Properties.Items.TryGetValue(SessionStore.ClaimType, out var kept) && Guid.TryParse(kept, out var keptId)
            && await store.IsActiveAsync(userId, keptId, context.HttpContext, fresh: true, context.HttpContext.RequestAborted))
        {
            sessionId = keptId;
        }
        sessionId ??= await store.CreateAsync(userId, context.HttpContext, context.HttpContext.RequestAborted);
        foreach (var old in identity.FindAll(SessionStore.ClaimType).ToList())
        {
            identity.RemoveClaim(old);
        }
        identity.AddClaim(new Claim(SessionStore.ClaimType, sessionId.Value.ToString()));
        context.Properties.Items[SessionStore.ClaimType] = sessionId.Value.ToString();
    }

    private static async Task CheckSessionAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal!;
        var userId = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        // Cookies from before sessions were tracked carry no session id: they sign in again once.
        if (userId is null || SessionStore.IdOf(principal) is not { } sessionId
            || !await Store(context.HttpContext).IsActiveAsync(userId, sessionId, context.HttpContext, cancellationToken: context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(context.Scheme.Name);
        }
    }

    private static SessionStore Store(HttpContext http) => http.RequestServices.GetRequiredService<SessionStore>();
}
