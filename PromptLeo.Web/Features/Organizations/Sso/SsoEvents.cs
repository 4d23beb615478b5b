using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;

namespace PromptLeo.Web.Features.Organizations.Sso;

/// <summary>The organization schemes' events: the e-mail as login hint, and a clear message instead of an error page when the callback fails.</summary>
internal sealed class SsoEvents(ILogger<SsoEvents> logger) : OpenIdConnectEvents
{
    public const string LoginHintItem = "pl:login_hint";

    public override Task RedirectToIdentityProvider(RedirectContext context)
    {
        // Sent to the provider only; removed before the state is protected, so the address does not travel back and forth.
        if (context.Properties.Items.TryGetValue(LoginHintItem, out var hint))
        {
            context.ProtocolMessage.LoginHint = hint;
            context.Properties.Items.Remove(LoginHintItem);
        }
        return base.RedirectToIdentityProvider(context);
    }

    // The person said no at the provider: their choice, not an error.
    public override Task AccessDenied(AccessDeniedContext context)
    {
        context.Response.Redirect("/Account/Login?sso=" + SsoMessages.Failed);
        context.HandleResponse();
        return Task.CompletedTask;
    }

    public override Task RemoteFailure(RemoteFailureContext context)
    {
        // A tampered or replayed state, a missing correlation cookie, a refused sign-in at the provider, a bad token: the
        // person's mistake or an attack, never a server error. The failure's type only: its text may echo the provider.
        logger.LogWarning("Organization sign-in failed at the callback of {Scheme}: {FailureType}", context.Scheme.Name, context.Failure?.GetType().Name);
        context.Response.Redirect("/Account/Login?sso=" + SsoMessages.Failed);
        context.HandleResponse();
        return Task.CompletedTask;
    }
}
