using System.Reflection;
using Microsoft.AspNetCore.Components;

namespace PromptLeo.Tests.Browser;

/// <summary>Who opens a page: nobody signed in, or the seeded admin with content (a chat, an image, an API key, an incident).</summary>
public enum PageVisitor
{
    Anonymous,
    SignedIn,
}

/// <summary>
/// One routable page as the accessibility and phone walks open it: its route template, the path visited (placeholders such
/// as {conversation} are filled from the seed) and optionally the page's primary action, which must be reachable on a phone.
/// </summary>
public sealed record PortalPage(string Route, string Path, PageVisitor Visitor, string? PrimaryAction = null);

/// <summary>
/// Every routable page of the portal (RouteAttribute by reflection) is walked or excluded with a reason; a new page
/// fails <see cref="PortalPagesTests"/> until it gets a line here. Add pages of a new feature at the end of the list.
/// </summary>
public static class PortalPages
{
    public static readonly PortalPage[] Walked =
    [
        new("/", "/", PageVisitor.Anonymous, "#home-register"),
        new("/Account/Login", "/Account/Login", PageVisitor.Anonymous, "#login-submit"),
        new("/Account/Register", "/Account/Register", PageVisitor.Anonymous, "#registerSubmit"),
        new("/Account/ForgotPassword", "/Account/ForgotPassword", PageVisitor.Anonymous, "#forgot-password-submit"),
        new("/Account/ForgotPasswordConfirmation", "/Account/ForgotPasswordConfirmation", PageVisitor.Anonymous),
        new("/Account/ResendEmailConfirmation", "/Account/ResendEmailConfirmation", PageVisitor.Anonymous),
        new("/Account/ResetPasswordConfirmation", "/Account/ResetPasswordConfirmation", PageVisitor.Anonymous),
        new("/Account/InvalidPasswordReset", "/Account/InvalidPasswordReset", PageVisitor.Anonymous),
        new("/Account/InvalidUser", "/Account/InvalidUser", PageVisitor.Anonymous),
        new("/Account/Lockout", "/Account/Lockout", PageVisitor.Anonymous),
        new("/Account/AccessDenied", "/Account/AccessDenied", PageVisitor.Anonymous),
        new("/datenschutz", "/datenschutz", PageVisitor.Anonymous),
        new("/impressum", "/impressum", PageVisitor.Anonymous),
        new("/not-found", "/not-found", PageVisitor.Anonymous),
        new("/status/{Code:int}", "/status/404", PageVisitor.Anonymous),
        new("/Error", "/Error", PageVisitor.Anonymous),
        new("/privacy/erased/{JobId:guid}", "/privacy/erased/{erasure}", PageVisitor.Anonymous, "#certificate-download"),
        new("/chat", "/chat", PageVisitor.SignedIn, "#chat-send"),
        new("/chat/{Id:guid}", "/chat/{conversation}", PageVisitor.SignedIn, "#chat-send"),
        new("/images", "/images", PageVisitor.SignedIn, "#image-generate"),
        new("/billing", "/billing", PageVisitor.SignedIn, "#billing-save"),
        new("/api-keys", "/api-keys", PageVisitor.SignedIn, "#api-key-create"),
        new("/privacy", "/privacy", PageVisitor.SignedIn, "#panel-export"),
        new("/privacy/dpa", "/privacy/dpa", PageVisitor.SignedIn),
        new("/privacy/erase", "/privacy/erase", PageVisitor.SignedIn, "#erase-submit"),
        new("/Account/Manage", "/Account/Manage", PageVisitor.SignedIn, "#profile-submit"),
        new("/Account/Manage/Email", "/Account/Manage/Email", PageVisitor.SignedIn, "#change-email-submit"),
        new("/Account/Manage/ChangePassword", "/Account/Manage/ChangePassword", PageVisitor.SignedIn, "#change-password-submit"),
        new("/Account/Manage/TwoFactorAuthentication", "/Account/Manage/TwoFactorAuthentication", PageVisitor.SignedIn, "#enable-authenticator"),
        new("/Account/Manage/EnableAuthenticator", "/Account/Manage/EnableAuthenticator", PageVisitor.SignedIn),
        new("/Account/Manage/ResetAuthenticator", "/Account/Manage/ResetAuthenticator", PageVisitor.SignedIn),
        new("/Account/Manage/PersonalData", "/Account/Manage/PersonalData", PageVisitor.SignedIn, "#download-personal-data"),
        new("/Account/Manage/Sessions", "/Account/Manage/Sessions", PageVisitor.SignedIn, "#sign-out-everywhere"),
        new("/organization/new", "/organization/new", PageVisitor.SignedIn, "#organization-create"),
        new("/organization/members", "/organization/members", PageVisitor.SignedIn),
        new("/organization/{OrganizationId:guid}/members", "/organization/{organization}/members", PageVisitor.SignedIn),
        new("/organization/audit", "/organization/audit", PageVisitor.SignedIn),
        new("/organization/{OrganizationId:guid}/audit", "/organization/{organization}/audit", PageVisitor.SignedIn),
        new("/organization/settings", "/organization/settings", PageVisitor.SignedIn),
        new("/organization/sso", "/organization/sso", PageVisitor.SignedIn),
        new("/admin", "/admin", PageVisitor.SignedIn, "#admin-system-link"),
        new("/admin/system", "/admin/system", PageVisitor.SignedIn),
        new("/admin/audit", "/admin/audit", PageVisitor.SignedIn, "#register-download"),
        new("/admin/incidents", "/admin/incidents", PageVisitor.SignedIn, "#record-incident"),
        new("/admin/incidents/{Id:int}", "/admin/incidents/{incident}", PageVisitor.SignedIn, "#notify-users"),
        new("/admin/subprocessors", "/admin/subprocessors", PageVisitor.SignedIn, "#subprocessor-announce"),
        new("/knowledge", "/knowledge", PageVisitor.SignedIn, "#knowledge-create"),
    ];

    /// <summary>Pages that cannot be shown on their own; each reason says why and where its look is covered instead.</summary>
    public static readonly IReadOnlyDictionary<string, string> Excluded = new Dictionary<string, string>
    {
        ["/Account/ConfirmEmail"] = "needs a user id and code from a confirmation e-mail; without them it redirects to /",
        ["/Account/ConfirmEmailChange"] = "needs a user id, e-mail and code from a change e-mail; without them it redirects to /",
        ["/Account/ResetPassword"] = "needs a reset code from an e-mail; without it it redirects to /Account/InvalidPasswordReset (walked)",
        ["/Account/RegisterConfirmation"] = "needs the address just registered; without it it redirects to /",
        ["/Account/LoginWith2fa"] = "needs a sign-in half done with a second factor; otherwise it redirects to /Account/InvalidUser (walked)",
        ["/Account/LoginWithRecoveryCode"] = "needs a sign-in half done with a second factor; otherwise it redirects to /Account/InvalidUser (walked)",
        ["/Account/Manage/Disable2fa"] = "only for an account with two factors on; otherwise it redirects to /Account/Manage/TwoFactorAuthentication (walked)",
        ["/Account/Manage/GenerateRecoveryCodes"] = "only for an account with two factors on; otherwise it redirects to /Account/Manage/TwoFactorAuthentication (walked)",
        ["/Account/Manage/SetPassword"] = "only for an account without a password (external sign-in); otherwise it redirects to /Account/Manage/ChangePassword (walked)",
        ["/Account/Manage/DeletePersonalData"] = "redirects to the Privacy Center's /privacy/erase (walked)",
        ["/organization/join"] = "needs an invitation token from an e-mail (OrganizationBrowserTests walk it)",
    };

    /// <summary>Every page route template of the portal.</summary>
    public static IReadOnlySet<string> Routes() =>
        typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IComponent).IsAssignableFrom(t))
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>())
            .Select(r => r.Template)
            .ToHashSet();

    public static string Fill(string path, IReadOnlyDictionary<string, string> seed) =>
        seed.Aggregate(path, (current, pair) => current.Replace("{" + pair.Key + "}", pair.Value));
}
