using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Web.Features.Reports;

/// <summary>
/// The technical and organisational measures (Art. 32), derived from the running configuration rather than written by
/// hand, so the Art. 30 register and the DPA annex describe what the installation really does.
/// </summary>
public sealed class TechnicalMeasures(
    IDbContextFactory<AppDbContext> dbFactory,
    IOptions<HostingOptions> hosting,
    IOptions<IdentityOptions> identity,
    IOptions<PrivacyOptions> privacy,
    IOptions<RecordsOptions> records,
    IOptions<SignInThrottleOptions> signIn,
    IOptions<SessionsOptions> sessions)
{
    public async Task<IReadOnlyList<(string Area, string Measure)>> DescribeAsync(ReportText t, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var adminRoleId = await db.Roles.Where(r => r.Name == Roles.Admin).Select(r => r.Id).FirstOrDefaultAsync(cancellationToken);
        var adminIds = db.UserRoles.Where(ur => ur.RoleId == adminRoleId).Select(ur => ur.UserId);
        var admins = await db.Users.CountAsync(u => adminIds.Contains(u.Id), cancellationToken);
        var adminsWith2fa = await db.Users.CountAsync(u => adminIds.Contains(u.Id) && u.TwoFactorEnabled, cancellationToken);
        var h = hosting.Value;
        var id = identity.Value;
        var p = privacy.Value;
        var s = signIn.Value;
        var sessionCheck = $"{sessions.Value.ValidationInterval.TotalSeconds:0} s";
        string Days(int? days) => days is null ? t.T("until deleted by the user", "bis zur Löschung durch den Nutzer") : days == 0 ? t.T("never stored", "nie gespeichert") : t.T($"{days} days", $"{days} Tage");

        return
        [
            (t.T("Encryption at rest", "Verschlüsselung im Ruhezustand"), t.T(
                "Chat content, prompts, presets and images are encrypted with AES-256-GCM under a per-user data key; the key is wrapped by the ASP.NET Core Data Protection master key. Erasure deletes the data key (crypto-shredding).",
                "Chat-Inhalte, Prompts, Vorlagen und Bilder sind mit AES-256-GCM unter einem Schlüssel je Nutzer verschlüsselt; dieser ist mit dem Data-Protection-Hauptschlüssel umhüllt. Die Löschung vernichtet den Schlüssel (Crypto-Shredding).")),
            (t.T("Encryption in transit", "Verschlüsselung bei der Übertragung"), h.UseHttpsRedirection
                ? t.T("HTTPS enforced with HSTS by the application.", "HTTPS wird von der Anwendung mit HSTS erzwungen.")
                : t.T("HTTPS is terminated by the reverse proxy; the application does not redirect by itself (Hosting:UseHttpsRedirection = false).", "HTTPS wird vom Reverse-Proxy terminiert; die Anwendung leitet nicht selbst um (Hosting:UseHttpsRedirection = false).")),
            (t.T("Processing location", "Verarbeitungsort"), t.T($"All inference runs in-process on the operator's hardware in region {h.Region}; no transfer to third countries.", $"Alle Inferenz läuft im Prozess auf Hardware des Betreibers in Region {h.Region}; keine Übermittlung in Drittländer.")),
            (t.T("Access control", "Zugangskontrolle"), t.T(
                $"Passwords of at least {id.Password.RequiredLength} characters; after {s.FreeFailuresPerAccount} failed sign-ins per e-mail address and {s.FreeFailuresPerAddress} per source address, growing waits (up to {s.MaxDelayPerAccount.TotalSeconds:0} s and {s.MaxDelayPerAddress.TotalMinutes:0} min), answered alike for unknown addresses; API keys are not affected; confirmed e-mail required: {(id.SignIn.RequireConfirmedAccount ? "yes" : "no")}. Sessions are listed to the user, can be ended one by one or everywhere, and are re-checked every {sessionCheck}.",
                $"Passwörter mit mindestens {id.Password.RequiredLength} Zeichen; nach {s.FreeFailuresPerAccount} Fehlversuchen je E-Mail-Adresse und {s.FreeFailuresPerAddress} je Quelladresse wachsende Wartezeiten (bis {s.MaxDelayPerAccount.TotalSeconds:0} s bzw. {s.MaxDelayPerAddress.TotalMinutes:0} min), gleich beantwortet für unbekannte Adressen; API-Schlüssel sind nicht betroffen; bestätigte E-Mail erforderlich: {(id.SignIn.RequireConfirmedAccount ? "ja" : "nein")}. Sitzungen werden dem Nutzer angezeigt, einzeln oder überall beendbar und alle {sessionCheck} neu geprüft.")),
            (t.T("Two-factor authentication", "Zwei-Faktor-Authentisierung"), t.T(
                $"TOTP available to every user and required to confirm exports and erasure when enabled; not enforced by policy. Administrators with 2FA enabled: {adminsWith2fa} of {admins}.",
                $"TOTP für alle Nutzer verfügbar und bei Export und Löschung abgefragt, wenn aktiviert; nicht per Richtlinie erzwungen. Administratoren mit 2FA: {adminsWith2fa} von {admins}.")),
            (t.T("Separation and authorisation", "Trennung und Berechtigung"), t.T(
                "Every query is scoped to the signed-in user; files are served only to their owner through authorised endpoints; other users' ids answer 404. Admin actions on user data are audit-logged.",
                "Jede Abfrage ist auf den angemeldeten Nutzer beschränkt; Dateien werden nur dem Eigentümer über autorisierte Endpunkte ausgeliefert; fremde IDs liefern 404. Admin-Zugriffe auf Nutzerdaten werden protokolliert.")),
            (t.T("Logging", "Protokollierung"), t.T(
                "Application logs never contain prompts, outputs or e-mail addresses; processing records hold metadata only.",
                "Anwendungsprotokolle enthalten keine Prompts, Ausgaben oder E-Mail-Adressen; Verarbeitungsnachweise enthalten nur Metadaten.")),
            (t.T("Deletion periods", "Löschfristen"), t.T(
                $"Chats: {Days(p.DefaultChatRetentionDays)} (default, per user adjustable); images: {Days(p.DefaultImageRetentionDays)}; exports: {p.ExportLinkHours} hours; processing records: {records.Value.RetentionDays} days; usage events and invoices: {p.StatutoryRetentionYears} years (§ 147 AO, § 257 HGB).",
                $"Chats: {Days(p.DefaultChatRetentionDays)} (Voreinstellung, je Nutzer änderbar); Bilder: {Days(p.DefaultImageRetentionDays)}; Exporte: {p.ExportLinkHours} Stunden; Verarbeitungsnachweise: {records.Value.RetentionDays} Tage; Nutzungsereignisse und Rechnungen: {p.StatutoryRetentionYears} Jahre (§ 147 AO, § 257 HGB).")),
            (t.T("Database hygiene", "Datenbankhygiene"), t.T(
                "SQLite secure_delete overwrites deleted rows; the write-ahead log is checkpointed and truncated after an erasure.",
                "SQLite secure_delete überschreibt gelöschte Zeilen; das Write-Ahead-Log wird nach einer Löschung eingespielt und geleert.")),
        ];
    }
}
