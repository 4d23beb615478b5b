using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Features.Reports;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// The technical and organisational measures (Art. 32), one entry per heading. Technical items are derived from the
/// running configuration rather than written by hand, so the Art. 30 register and the DPA annex describe what the
/// installation really does; organisational items come from <see cref="OrganisationalMeasures"/>.
/// </summary>
public sealed class TechnicalMeasures(
    IDbContextFactory<AppDbContext> dbFactory,
    IOptions<HostingOptions> hosting,
    IOptions<IdentityOptions> identity,
    IOptions<PrivacyOptions> privacy,
    IOptions<RecordsOptions> records,
    IOptions<SignInThrottleOptions> signIn,
    IOptions<SessionsOptions> sessions,
    KeyRingProtection keyRing,
    OrganisationalMeasures organisational)
{
    /// <summary>How many administrators there are and how many of them sign in with two factors.</summary>
    public async Task<(int Admins, int WithTwoFactor)> AdminTwoFactorAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var adminRoleId = await db.Roles.Where(r => r.Name == Roles.Admin).Select(r => r.Id).FirstOrDefaultAsync(cancellationToken);
        var adminIds = db.UserRoles.Where(ur => ur.RoleId == adminRoleId).Select(ur => ur.UserId);
        return (await db.Users.CountAsync(u => adminIds.Contains(u.Id), cancellationToken), await db.Users.CountAsync(u => adminIds.Contains(u.Id) && u.TwoFactorEnabled, cancellationToken));
    }

    public async Task<IReadOnlyList<(string Area, string Measure)>> DescribeAsync(ReportText t, CancellationToken cancellationToken = default)
    {
        var (admins, adminsWith2fa) = await AdminTwoFactorAsync(cancellationToken);
        var h = hosting.Value;
        var id = identity.Value;
        var p = privacy.Value;
        var s = signIn.Value;
        var sessionCheck = $"{sessions.Value.ValidationInterval.TotalSeconds:0} s";
        string Days(int? days) => days is null ? t.T("until deleted by the user", "bis zur Löschung durch den Nutzer") : days == 0 ? t.T("never stored", "nie gespeichert") : t.T($"{days} days", $"{days} Tage");
        string Stated(OrganisationalMeasure measure) => organisational.Show(measure, t);

        return
        [
            (t.T("Physical access control", "Zutrittskontrolle"), Stated(OrganisationalMeasure.PhysicalAccess)),
            (t.T("Access control", "Zugangs- und Zugriffskontrolle"), t.T(
                $"Passwords of at least {id.Password.RequiredLength} characters; after {s.FreeFailuresPerAccount} failed sign-ins per e-mail address and {s.FreeFailuresPerAddress} per source address, growing waits (up to {s.MaxDelayPerAccount.TotalSeconds:0} s and {s.MaxDelayPerAddress.TotalMinutes:0} min), answered alike for unknown addresses; API keys are not affected; confirmed e-mail required: {(id.SignIn.RequireConfirmedAccount ? "yes" : "no")}. Sessions are listed to the user, can be ended one by one or everywhere, and are re-checked every {sessionCheck}. Two-factor authentication (TOTP) is available to every user and required to confirm exports and erasure when enabled; not enforced by policy. Administrators with two-factor authentication: {adminsWith2fa} of {admins}.",
                $"Passwörter mit mindestens {id.Password.RequiredLength} Zeichen; nach {s.FreeFailuresPerAccount} Fehlversuchen je E-Mail-Adresse und {s.FreeFailuresPerAddress} je Quelladresse wachsende Wartezeiten (bis {s.MaxDelayPerAccount.TotalSeconds:0} s bzw. {s.MaxDelayPerAddress.TotalMinutes:0} min), gleich beantwortet für unbekannte Adressen; API-Schlüssel sind nicht betroffen; bestätigte E-Mail erforderlich: {(id.SignIn.RequireConfirmedAccount ? "ja" : "nein")}. Sitzungen werden dem Nutzer angezeigt, einzeln oder überall beendbar und alle {sessionCheck} neu geprüft. Zwei-Faktor-Authentisierung (TOTP) steht allen Nutzern zur Verfügung und wird bei Export und Löschung abgefragt, wenn aktiviert; sie wird nicht per Richtlinie erzwungen. Administratoren mit Zwei-Faktor-Authentisierung: {adminsWith2fa} von {admins}.")),
            (t.T("Confidentiality of staff", "Vertraulichkeit der Beschäftigten"), Stated(OrganisationalMeasure.StaffConfidentiality)),
            (t.T("Transfer control", "Weitergabekontrolle"), (h.UseHttpsRedirection
                ? t.T("HTTPS is enforced with HSTS by the application. ", "HTTPS wird von der Anwendung mit HSTS erzwungen. ")
                : t.T("HTTPS is terminated by the reverse proxy in front of the application; the application itself does not redirect to HTTPS. ", "HTTPS wird vom vorgeschalteten Reverse-Proxy terminiert; die Anwendung selbst leitet nicht auf HTTPS um. "))
                + t.T($"All inference runs in-process on the operator's hardware in region {h.Region}; no transfer to third countries. Export archives can be downloaded only by their owner and for {p.ExportLinkHours} hours.",
                    $"Alle Inferenz läuft im Prozess auf Hardware des Betreibers in Region {h.Region}; keine Übermittlung in Drittländer. Export-Archive kann nur ihr Eigentümer herunterladen, und nur {p.ExportLinkHours} Stunden lang.")),
            (t.T("Input control", "Eingabekontrolle"), t.T(
                $"Administrator actions on user data are recorded in the audit log; processing records hold metadata only and are kept for {records.Value.RetentionDays} days. Application logs never contain prompts, outputs or e-mail addresses.",
                $"Administrator-Zugriffe auf Nutzerdaten werden im Audit-Protokoll festgehalten; Verarbeitungsnachweise enthalten nur Metadaten und werden {records.Value.RetentionDays} Tage aufbewahrt. Anwendungsprotokolle enthalten keine Prompts, Ausgaben oder E-Mail-Adressen.")),
            (t.T("Availability and resilience", "Verfügbarkeit und Belastbarkeit"), t.T(
                $"Keys are backed up apart from the content, encrypted, and kept for at most {p.KeyBackupRetentionDays} days; every erasure is recorded in an erasure ledger, which is replayed at every start, so a restored backup cannot bring erased accounts back. Restore tests: ",
                $"Schlüssel werden getrennt von den Inhalten verschlüsselt gesichert und höchstens {p.KeyBackupRetentionDays} Tage aufbewahrt; jede Löschung wird in einem Löschprotokoll vermerkt, das bei jedem Start erneut angewandt wird, sodass eine wiederhergestellte Sicherung gelöschte Konten nicht zurückbringt. Wiederherstellungstests: ")
                + Stated(OrganisationalMeasure.RestoreTests)),
            (t.T("Separation control", "Trennungskontrolle"), t.T(
                "Every query is scoped to the signed-in user; files are served only to their owner through authorised endpoints; other users' ids answer 404.",
                "Jede Abfrage ist auf den angemeldeten Nutzer beschränkt; Dateien werden nur dem Eigentümer über autorisierte Endpunkte ausgeliefert; fremde IDs liefern 404.")),
            (t.T("Pseudonymisation and encryption", "Pseudonymisierung und Verschlüsselung"), t.T(
                "Chat content, prompts, presets and images are encrypted with AES-256-GCM under a per-user data key; the key is wrapped by the ASP.NET Core Data Protection master key. Erasure deletes the data key (crypto-shredding). Client IP addresses are stored only as keyed hashes. ",
                "Chat-Inhalte, Prompts, Vorlagen und Bilder sind mit AES-256-GCM unter einem Schlüssel je Nutzer verschlüsselt; dieser ist mit dem Data-Protection-Hauptschlüssel umhüllt. Die Löschung vernichtet den Schlüssel (Crypto-Shredding). IP-Adressen werden nur als Hashwert mit geheimem Schlüssel gespeichert. ")
                + (keyRing.IsProtected
                    ? t.T("The key ring is encrypted with a certificate kept apart from the data.", "Der Schlüsselbund ist mit einem getrennt von den Daten verwahrten Zertifikat verschlüsselt.")
                    : t.T("The key ring is protected by file permissions only, not by a certificate.", "Der Schlüsselbund ist nur durch Dateirechte geschützt, nicht durch ein Zertifikat."))
                + t.T(" The database overwrites deleted rows; its write-ahead log is checkpointed and truncated after an erasure.", " Die Datenbank überschreibt gelöschte Zeilen; ihr Write-Ahead-Log wird nach einer Löschung eingespielt und geleert.")),
            (t.T("Deletion periods", "Löschfristen"), t.T(
                $"Chats: {Days(p.DefaultChatRetentionDays)} (default, per user adjustable); images: {Days(p.DefaultImageRetentionDays)}; knowledge documents: {ImpactAssessmentWriter.DocumentRetention(p.DefaultDocumentRetentionDays, t)}; exports: {p.ExportLinkHours} hours; processing records: {records.Value.RetentionDays} days; usage events: {p.BooksRetentionYears} years (§ 147 AO, § 257 HGB); invoices: {p.InvoiceRetentionYears} years (§ 147 Abs. 3 AO, § 14b UStG).",
                $"Chats: {Days(p.DefaultChatRetentionDays)} (Voreinstellung, je Nutzer änderbar); Bilder: {Days(p.DefaultImageRetentionDays)}; Wissensdokumente: {ImpactAssessmentWriter.DocumentRetention(p.DefaultDocumentRetentionDays, t)}; Exporte: {p.ExportLinkHours} Stunden; Verarbeitungsnachweise: {records.Value.RetentionDays} Tage; Nutzungsereignisse: {p.BooksRetentionYears} Jahre (§ 147 AO, § 257 HGB); Rechnungen: {p.InvoiceRetentionYears} Jahre (§ 147 Abs. 3 AO, § 14b UStG).")),
            (t.T("Regular testing and evaluation", "Regelmäßige Überprüfung und Bewertung"), Stated(OrganisationalMeasure.SecurityTesting)),
            (t.T("Incident handling", "Umgang mit Sicherheitsvorfällen"), t.T(
                $"Personal data breaches are reported to the controller within {p.BreachNoticeHours} hours at the latest. ",
                $"Verletzungen des Schutzes personenbezogener Daten werden dem Verantwortlichen spätestens binnen {p.BreachNoticeHours} Stunden gemeldet. ")
                + Stated(OrganisationalMeasure.IncidentResponse)),
        ];
    }
}
