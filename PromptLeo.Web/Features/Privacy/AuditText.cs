using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Localization;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// The audit log in the reader's language: a label for every action name, and the stored details (English words,
/// enum names, micro-euros; written before any reader's language is known) with their words translated and their
/// amounts and numbers in the reader's culture. The English texts are keys of <see cref="Resources.PrivacyResource"/>.
/// </summary>
public static partial class AuditText
{
    // "action<TAB>English label", one a line: every action any feature writes (Organizations, Billing, Breaches and
    // Models are spelled out, as Privacy must not reference them). Unknown names show as they are.
    private const string LabelTable = """
        admin.viewed-user	Account viewed by an admin
        account.role-changed	Site role changed
        account.disabled	Account disabled
        account.enabled	Account enabled
        account.registered	Account created
        account.email-confirmed	E-mail address confirmed
        account.signed-in	Signed in
        account.signed-out	Signed out
        account.sign-in-failed	Sign-in failed
        account.password-changed	Password changed
        account.password-reset	Password reset
        account.password-set	Password set
        account.2fa-enabled	Two-factor authentication turned on
        account.2fa-disabled	Two-factor authentication turned off
        account.authenticator-reset	Authenticator app reset
        account.recovery-codes-generated	New recovery codes generated
        export.requested	Data export requested
        export.completed	Data export ready
        export.downloaded	Data export downloaded
        erasure.requested	Account deletion requested
        erasure.completed	Account deleted
        apikey.created	API key created
        apikey.revoked	API key revoked
        apikey.changed	API key changed
        retention.purged	Expired content deleted
        retention.changed	Retention period changed
        restriction.changed	Processing restriction changed
        profile.changed	Profile changed
        dpa.accepted	DPA accepted
        session.ended	Session ended
        session.signed-out-everywhere	Signed out everywhere
        chat.conversation-deleted	Conversation deleted
        images.image-deleted	Image deleted
        model.loaded	Model loaded
        model.unloaded	Model unloaded
        model.deleted	Model deleted
        model.enabled	Model enabled
        model.disabled	Model disabled
        model.license-accepted	Model licence accepted
        model.install-started	Model installation started
        model.installed	Model installed
        model.install-failed	Model installation failed
        remote-endpoint.added	Inference node added
        remote-endpoint.changed	Inference node changed
        remote-endpoint.removed	Inference node removed
        price.changed	Price changed
        subprocessor.change-announced	Sub-processor change announced
        subprocessor.objected	Objection to a sub-processor change
        payment.top-up-requested	Top-up requested
        payment.top-up-booked	Top-up booked
        payment.top-up-failed	Top-up failed
        payment.top-up-reversed	Top-up reversed
        breach.recorded	Incident recorded
        breach.authority-notified	Supervisory authority notified
        breach.user-notified	Notified of an incident
        breach.users-notified	Affected users notified
        breach.closed	Incident closed
        breach.document-downloaded	Incident document downloaded
        org.created	Organization created
        org.updated	Contract data changed
        org.member-invited	Member invited
        org.invitation-revoked	Invitation withdrawn
        org.member-joined	Member joined
        org.member-removed	Member removed
        org.member-left	Member left
        org.role-changed	Role changed
        org.budget-changed	Budget changed
        org.dpa-accepted	DPA accepted
        org.billing-mode-changed	Payment mode changed
        org.credit-booked	Credit booked
        org.api-key-revoked	API key revoked
        org.api-key-budget-changed	API key budget changed
        org.api-key-changed	Member's API key changed
        org.deleted	Organization deleted
        org.sso-configured	Single sign-on configured
        """;

    public static IReadOnlyDictionary<string, string> Labels { get; } = LabelTable.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .Select(line => line.Split('\t')).ToDictionary(cells => cells[0], cells => cells[1], StringComparer.Ordinal);

    /// <summary>
    /// The account activity the log records, named in English and German (for the register and privacy-policy wording),
    /// each with the actions that write it; <c>ActivityLogTests</c> proves every one of them is written.
    /// </summary>
    public static IReadOnlyList<LoggedEvent> LoggedEvents { get; } =
    [
        new("registration", "Registrierung", ["account.registered"]),
        new("e-mail confirmation", "Bestätigung der E-Mail-Adresse", ["account.email-confirmed"]),
        new("sign-in", "Anmeldung", ["account.signed-in"]),
        new("sign-out", "Abmeldung", ["account.signed-out"]),
        new("failed sign-in (the reason only, no IP address)", "fehlgeschlagene Anmeldung (nur der Grund, keine IP-Adresse)", ["account.sign-in-failed"]),
        new("password and two-factor changes", "Änderungen an Passwort und Zwei-Faktor-Authentifizierung",
            ["account.password-changed", "account.2fa-enabled", "account.2fa-disabled", "account.recovery-codes-generated"]),
        new("deletion of conversations and images", "Löschen von Unterhaltungen und Bildern", ["chat.conversation-deleted", "images.image-deleted"]),
        new("budget changes", "Budgetänderungen", ["org.budget-changed", "org.api-key-budget-changed"]),
        new("API key changes", "Änderungen an API-Schlüsseln", ["apikey.created", "apikey.revoked"]),
        new("data exports", "Datenexporte", ["export.requested"]),
        new("DPA acceptance", "Annahme des AVV", ["dpa.accepted"]),
        new("retention changes", "Änderungen der Aufbewahrungsfristen", ["retention.changed"]),
    ];

    /// <summary>The readable label of <paramref name="action"/> in the localizer's language; unknown names as they are.</summary>
    public static string Action(IStringLocalizer localizer, string action) =>
        Labels.TryGetValue(action, out var label) ? localizer[label] : action;

    // The words the details are written with, longest first so phrases win over their parts; enum names included.
    private static readonly string[] DetailWords =
    [
        "user list on the admin page", "replaces an open invitation", "monthly budget set", "no budget", "set by a site admin",
        "API keys revoked", "organization budget", "added to Admin", "removed from Admin", "contract data", "in time", "second factor",
        "locked out", "not allowed", "wrong password", "of member", "megapixel-step", "restricted", "lifted", "invitation", "role", "member",
        "key", "scopes", "export", "bytes", "incident", "risk", "accounts", "erased", "records", "version", "change", "effective",
        "customers", "payment", "event", "mode", "model", "license", "files", "job", "sessions", "session", "conversation", "codes", "image",
        "images", "chats", "documents", "input", "output", "embedding", "tokens", "none", "late", "chat", "knowledge",
    ];

    // "EnumName<TAB>English label", one a line: every enum value a detail is written with (organization roles, billing
    // modes, breach risk levels, model install phases, sub-processor change kinds); the German label is the resource.
    private const string EnumTable = """
        Owner	owner
        Admin	admin
        Member	member
        Billing	billing
        Postpaid	pay by invoice
        Prepaid	prepaid credit
        Unlikely	unlikely
        Risk	present
        HighRisk	high
        Running	running
        Completed	completed
        Failed	failed
        Cancelled	cancelled
        Addition	addition
        Replacement	replacement
        Removal	removal
        """;

    /// <summary>The readable English label of each enum name the details carry; never the PascalCase name itself.</summary>
    public static IReadOnlyDictionary<string, string> EnumLabels { get; } = EnumTable.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .Select(line => line.Split('\t')).ToDictionary(cells => cells[0], cells => cells[1], StringComparer.Ordinal);

    [GeneratedRegex(@"(?<![\w-])(\d+) micro-EUR\b")]
    private static partial Regex Micros();

    [GeneratedRegex(@"(?<![\w.-])(\d+\.\d+)(?= EUR\b)")]
    private static partial Regex DecimalEuro();

    private static readonly Regex Words = new(@"(?<![\w-])(" + string.Join("|", DetailWords.Concat(EnumLabels.Keys).OrderByDescending(w => w.Length).Select(Regex.Escape)) + @")(?![\w-])", RegexOptions.Compiled);

    /// <summary>The stored details in the current culture: words through the localizer, micro-euros as money, decimals with the culture's separator.</summary>
    public static string Details(IStringLocalizer localizer, string details)
    {
        var culture = CultureInfo.CurrentCulture;
        var text = Micros().Replace(details, m => (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) / 1_000_000m).ToString("N2", culture) + " €");
        text = DecimalEuro().Replace(text, m => decimal.Parse(m.Value, CultureInfo.InvariantCulture).ToString(culture));
        return Words.Replace(text, m => EnumLabels.TryGetValue(m.Value, out var label) ? Word(localizer, label) : Word(localizer, m.Value));
    }

    /// <summary>The resource for <paramref name="word"/> in the localizer's language, or null when there is none.</summary>
    /// <remarks>Resource names are unique regardless of case, so "images" may be stored as "Images" (or "failed" as "Failed").</remarks>
    public static string? Translation(IStringLocalizer localizer, string word) =>
        new[] { word, char.ToUpperInvariant(word[0]) + word[1..], char.ToLowerInvariant(word[0]) + word[1..] }
            .Select(key => localizer[key]).FirstOrDefault(found => !found.ResourceNotFound)?.Value;

    private static string Word(IStringLocalizer localizer, string word) => Translation(localizer, word) ?? word;
}

/// <summary>One kind of account activity the log records, named in both languages, with the action names that write it.</summary>
public sealed record LoggedEvent(string English, string German, IReadOnlyList<string> Actions);
