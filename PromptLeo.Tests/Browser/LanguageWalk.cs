using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Components;

namespace PromptLeo.Tests.Browser;

/// <summary>Who opens a page of the language walk.</summary>
public enum WalkViewer
{
    SignedOut,
    Customer,
    Admin,
}

/// <summary>The seeded ids a walked path may need.</summary>
public sealed record LanguageWalkData(Guid ConversationId, Guid OrganizationId, int IncidentId);

/// <summary>One page of the language walk: the route template as written in <c>@page</c>, who opens it, and the path (parameters filled in).</summary>
public sealed record LanguageStop(string Route, WalkViewer Viewer, Func<LanguageWalkData, string>? PathOf = null)
{
    public string Path(LanguageWalkData data) => PathOf?.Invoke(data) ?? Route;
}

/// <summary>
/// The pages the one-language walk opens, and the routable pages it leaves out with the reason. A new page is added to
/// <see cref="Stops"/> (one line) or, with a reason, to <see cref="Excluded"/>; <see cref="Routes"/> finds every page by its
/// <see cref="RouteAttribute"/>, so a page in neither list fails <c>LanguageWalkTests.EveryRoutablePage_IsWalkedOrExcluded</c>.
/// </summary>
public static class LanguageWalk
{
    public static readonly IReadOnlyList<LanguageStop> Stops =
    [
        // Signed out: the landing page, legal pages and the account pages a visitor reaches.
        new("/", WalkViewer.SignedOut),
        new("/impressum", WalkViewer.SignedOut),
        new("/datenschutz", WalkViewer.SignedOut),
        new("/Account/Login", WalkViewer.SignedOut),
        new("/Account/Register", WalkViewer.SignedOut),
        new("/Account/RegisterConfirmation", WalkViewer.SignedOut, _ => "/Account/RegisterConfirmation?email=nobody%40example.test"),
        new("/Account/ForgotPassword", WalkViewer.SignedOut),
        new("/Account/ForgotPasswordConfirmation", WalkViewer.SignedOut),
        new("/Account/ResetPassword", WalkViewer.SignedOut, _ => "/Account/ResetPassword?code=Zm9v"),
        new("/Account/ResetPasswordConfirmation", WalkViewer.SignedOut),
        new("/Account/InvalidPasswordReset", WalkViewer.SignedOut),
        new("/Account/InvalidUser", WalkViewer.SignedOut),
        new("/Account/ResendEmailConfirmation", WalkViewer.SignedOut),
        new("/Account/Lockout", WalkViewer.SignedOut),
        new("/Account/ConfirmEmail", WalkViewer.SignedOut, _ => "/Account/ConfirmEmail?userId=nobody&code=Zm9v"),
        new("/not-found", WalkViewer.SignedOut),
        new("/status/{Code:int}", WalkViewer.SignedOut, _ => "/status/404"),
        new("/Error", WalkViewer.SignedOut),

        // The customer: chat with a stored conversation, images, keys, usage, privacy center, account, organization.
        new("/chat", WalkViewer.Customer),
        new("/chat/{Id:guid}", WalkViewer.Customer, d => $"/chat/{d.ConversationId}"),
        new("/images", WalkViewer.Customer),
        new("/api-keys", WalkViewer.Customer),
        new("/billing", WalkViewer.Customer),
        new("/privacy", WalkViewer.Customer),
        new("/privacy/dpa", WalkViewer.Customer),
        new("/privacy/erase", WalkViewer.Customer),
        new("/Account/AccessDenied", WalkViewer.Customer),
        new("/Account/Manage", WalkViewer.Customer),
        new("/Account/Manage/Email", WalkViewer.Customer),
        new("/Account/Manage/ChangePassword", WalkViewer.Customer),
        new("/Account/Manage/TwoFactorAuthentication", WalkViewer.Customer),
        new("/Account/Manage/Sessions", WalkViewer.Customer),
        new("/Account/Manage/PersonalData", WalkViewer.Customer),
        new("/organization/new", WalkViewer.Customer),
        new("/organization/members", WalkViewer.Customer),
        new("/organization/{OrganizationId:guid}/members", WalkViewer.Customer, d => $"/organization/{d.OrganizationId}/members"),
        new("/organization/audit", WalkViewer.Customer),
        new("/organization/{OrganizationId:guid}/audit", WalkViewer.Customer, d => $"/organization/{d.OrganizationId}/audit"),
        new("/organization/settings", WalkViewer.Customer),
        new("/organization/sso", WalkViewer.Customer),
        new("/organization/join", WalkViewer.Customer, _ => "/organization/join?token=Zm9vYmFy"),
        new("/knowledge", WalkViewer.Customer),
        // Last: opening the authenticator setup creates a key, which renews the security stamp and ends the session.
        new("/Account/Manage/ResetAuthenticator", WalkViewer.Customer),
        new("/Account/Manage/EnableAuthenticator", WalkViewer.Customer),

        // The site admin.
        new("/admin", WalkViewer.Admin),
        new("/admin/system", WalkViewer.Admin),
        new("/admin/audit", WalkViewer.Admin),
        new("/admin/incidents", WalkViewer.Admin),
        new("/admin/incidents/{Id:int}", WalkViewer.Admin, d => $"/admin/incidents/{d.IncidentId}"),
        new("/admin/subprocessors", WalkViewer.Admin),
    ];

    /// <summary>Routable pages the walk does not open, each with the reason.</summary>
    public static readonly IReadOnlyDictionary<string, string> Excluded = new Dictionary<string, string>
    {
        ["/Account/LoginWith2fa"] = "reachable only in the middle of a sign-in with a second factor; AccountBrowserTests signs in with 2FA",
        ["/Account/LoginWithRecoveryCode"] = "reachable only in the middle of a sign-in with a second factor",
        ["/Account/ConfirmEmailChange"] = "needs a mailed change token; without one it redirects to the profile, which the walk opens",
        ["/Account/Manage/SetPassword"] = "only for accounts without a password (SSO); for others it redirects to ChangePassword, which the walk opens",
        ["/Account/Manage/Disable2fa"] = "only with 2FA on; without it redirects to TwoFactorAuthentication, which the walk opens",
        ["/Account/Manage/GenerateRecoveryCodes"] = "only with 2FA on; without it redirects to TwoFactorAuthentication, which the walk opens",
        ["/Account/Manage/DeletePersonalData"] = "redirects to /privacy/erase, which the walk opens",
        ["/privacy/erased/{JobId:guid}"] = "shown once, signed out, after the account is erased; PrivacyBrowserTests erases an account",
    };

    /// <summary>Every route template of a routable component of the portal.</summary>
    public static IReadOnlySet<string> Routes() =>
        typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IComponent).IsAssignableFrom(t))
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>())
            .Select(r => r.Template)
            .ToHashSet(StringComparer.Ordinal);

    // Proper names, brands and technical terms that read the same in both languages, and the seeded data.
    private static readonly string[] Allowed =
    [
        "PromptLeo.Theme", "PromptLeo", "OpenAI", "Stripe", "MudBlazor", "GitHub", "Hugging Face", "Scalar", "ZUGFeRD", "XRechnung", "Factur-X",
        "Single Sign-On", "Single Sign-on", "SINGLE SIGN-ON", "Built with Llama", "MIT", "Zylinski", "Domplatz", "Köln",
    ];

    // German authorities keep their German names in the English texts.
    private static readonly Regex AuthorityName = new(@"(Der|Die) [^,]*Beauftragte für Datenschutz und Informationsfreiheit", RegexOptions.Compiled);

    // Short function words count in lower case and capitalized only (not "AT, IS, NO" in a list of country codes);
    // the longer UI words count in any case, as buttons show them in capitals. Words both languages have are left out.
    public static readonly Regex EnglishWords = Words(
        "the and with your you this that these from for of to is are were not yes no or on at by has have can cannot been here there which when what who all none new more less than only",
        "per month|Save|Cancel|Delete|Remove|Settings|Create|Show|Hide|Close|Search|Send|Sign in|Sign out|Log in|Log out|Account|Password|Members?|Invite|Invitations?|Role|Owner|Usage|Month|Today|Yesterday|days?|hours?|minutes|seconds?|ago|never|Loading|Error|Images?|Keys?|Billing|Privacy|Language|Theme|Models?|Steps?|Enabled|Disabled|Completed|Failed|Pending|Running|Succeeded|Requested|Created|Revoked|Changed|Accepted|Downloaded|Deleted|Signed|Invoice|Payment|Amount|Total|Price|Incident|Objection|Announce|Submit|Sub-processors?|Scheduler|Kind|Outcome|Chart|Date|Time|Conversations?|Answer|Question");

    public static readonly Regex GermanWords = Words(
        "der die das dem den des und mit ihr ihre ihren ihrem sie nicht ist sind wird werden wurde für von zu zum zur auf bei oder kein keine alle neu neue mehr weniger nur auch",
        "pro Monat|Speichern|Abbrechen|Löschen|Entfernen|Einstellungen|Erstellen|Anzeigen|Schließen|Suchen|Senden|Anmelden|Abmelden|Registrieren|Konto|Passwort|Mitglied(er)?|Einladen|Einladung(en)?|Rolle|Inhaber|Nutzung|Monat|heute|gestern|Tage?n?|Stunden?|Minuten|Sekunden?|vor|nie|Fehler|Bilder?|Schlüssel|Abrechnung|Datenschutz|Sprache|Modelle?|Schritte?|Aktiviert|Deaktiviert|Abgeschlossen|Fehlgeschlagen|Ausstehend|Angefordert|Erstellt|Widerrufen|Geändert|Akzeptiert|Gelöscht|Rechnung|Zahlung|Betrag|Gesamt|Preis|Vorfall|Widerspruch|Ankündigen|Unterauftragsverarbeiter|Ergebnis|Datum|Zeit|Uhr|Unterhaltung(en)?|Antwort|Frage");

    private static Regex Words(string shortWords, string longWords) =>
        new(@"\b(" + string.Join("|", shortWords.Split(' ').Select(w => $"[{char.ToUpperInvariant(w[0])}{w[0]}]{w[1..]}")) + @"|(?i:" + longWords + @"))\b", RegexOptions.Compiled);

    // Numbers, money and dates written the other culture's way ("€" then a line break is a cell's end, not an amount).
    private const string Unit = @"\s?(€|%|ct|GB|MB|KB|GiB|MiB|KiB|ms|s|tok/s)(?!\w)";

    public static readonly Regex EnglishNumbers = new(
        @"\b\d{1,3}(,\d{3})+(\.\d+)?\b|\b\d+\.\d+" + Unit + @"|€[ \u00A0]?\d+\.\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}:\d{2}(:\d{2})?\s?(AM|PM)\b",
        RegexOptions.Compiled);

    public static readonly Regex GermanNumbers = new(
        @"\b\d{1,3}(\.\d{3})+(,\d+)?(?![.\d])|\b\d+,\d+" + Unit + @"|€[ \u00A0]?\d+,\d{2}\b|\b\d{1,2}\.\d{1,2}\.\d{4}\b|\b\d{1,2}:\d{2}\s?Uhr\b",
        RegexOptions.Compiled);

    /// <summary>"what: …context…" for each word or number of the other language or culture in <paramref name="text"/>.</summary>
    public static List<string> Foreign(string text, string culture)
    {
        text = AuthorityName.Replace(text, "");
        foreach (var allowed in Allowed)
        {
            text = text.Replace(allowed, "");
        }
        var (words, numbers) = culture == "de" ? (EnglishWords, EnglishNumbers) : (GermanWords, GermanNumbers);
        return words.Matches(text).Select(m => "word '" + m.Value + "': " + Around(text, m))
            .Concat(numbers.Matches(text).Select(m => "number '" + m.Value + "': " + Around(text, m)))
            .Distinct()
            .ToList();
    }

    private static string Around(string text, Match match)
    {
        var start = Math.Max(0, match.Index - 40);
        return text.Substring(start, Math.Min(text.Length - start, match.Length + 80)).ReplaceLineEndings(" ⏎ ");
    }
}
