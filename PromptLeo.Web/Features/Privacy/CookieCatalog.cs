using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Localization;
using PromptLeo.Web.Features.Preferences;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>A cookie the app sets; a name ending in <c>*</c> stands for a prefix (the framework appends a hash).</summary>
public sealed record CookieDescription(string Name, string Purpose, string Lifetime)
{
    public bool Matches(string cookieName) => Name.EndsWith('*')
        ? cookieName.StartsWith(Name[..^1], StringComparison.Ordinal)
        : cookieName == Name;
}

/// <summary>Every cookie PromptLeo sets, as the privacy policy lists it. All are strictly necessary or a stored choice; none tracks.</summary>
public static class CookieCatalog
{
    public const string AuthCookie = "PromptLeo.Auth";
    public const string StatusCookie = "Identity.StatusMessage";

    public static IReadOnlyList<CookieDescription> Describe(ReportText t) =>
    [
        new(AuthCookie, t.T("Keeps you signed in (encrypted sign-in ticket).", "Hält Sie angemeldet (verschlüsseltes Anmeldeticket)."),
            t.T("Until the browser closes; 14 days after the last use with \"Remember me\".", "Bis zum Schließen des Browsers; mit „Angemeldet bleiben“ 14 Tage nach der letzten Nutzung.")),
        new(".AspNetCore.Antiforgery.*", t.T("Protects forms against cross-site request forgery.", "Schützt Formulare vor Cross-Site-Request-Forgery."),
            t.T("Until the browser closes.", "Bis zum Schließen des Browsers.")),
        new(CookieRequestCultureProvider.DefaultCookieName, t.T("Remembers the language you chose.", "Speichert die gewählte Sprache."),
            t.T("1 year.", "1 Jahr.")),
        new(UserPreferenceCookies.ThemeCookie, t.T("Remembers the light or dark theme you chose.", "Speichert das gewählte helle oder dunkle Design."),
            t.T("1 year.", "1 Jahr.")),
        new(StatusCookie, t.T("Carries a one-time status message to the next page after a form.", "Überbringt eine einmalige Statusmeldung an die nächste Seite nach einem Formular."),
            t.T("5 seconds.", "5 Sekunden.")),
        new(IdentityConstants.TwoFactorUserIdScheme, t.T("Remembers who entered a correct password while the second factor is asked for.", "Merkt sich während der Abfrage des zweiten Faktors, wer das richtige Passwort eingegeben hat."),
            t.T("Until the browser closes; at most 5 minutes.", "Bis zum Schließen des Browsers; höchstens 5 Minuten.")),
        new(IdentityConstants.TwoFactorRememberMeScheme, t.T("Skips the second factor on this browser when you tick \"Remember this machine\".", "Überspringt den zweiten Faktor in diesem Browser, wenn Sie „Dieses Gerät merken“ wählen."),
            t.T("14 days.", "14 Tage.")),
        new(IdentityConstants.ExternalScheme, t.T("Sign-in through an external provider. PromptLeo configures none; the framework only clears it at sign-in and sign-out.", "Anmeldung über einen externen Anbieter. PromptLeo richtet keinen ein; das Framework löscht es nur bei An- und Abmeldung."),
            t.T("Not set.", "Wird nicht gesetzt.")),
    ];
}
