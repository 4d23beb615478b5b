using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

public sealed record ProcessingActivity(string Name, string Purpose, string Subjects, string Data, string Deletion);

/// <summary>
/// The processing activities with purpose, legal basis and deletion period, derived from the settings. The Art. 30
/// register and the privacy policy both print this one list, so they cannot disagree.
/// </summary>
public sealed class ProcessingActivities(IOptions<PrivacyOptions> privacy, IOptions<RecordsOptions> records, IOptions<SessionsOptions> sessions)
{
    public IReadOnlyList<ProcessingActivity> Describe(ReportText t)
    {
        var p = privacy.Value;
        var sessionDays = (int)sessions.Value.IdleLifetime.TotalDays;
        return
        [
            new(t.T("Accounts", "Konten"), t.T("Registration, sign-in, 2FA, profile, API keys (Art. 6(1)(b))", "Registrierung, Anmeldung, 2FA, Profil, API-Schlüssel (Art. 6 Abs. 1 lit. b)"),
                t.T("Customers' employees", "Beschäftigte der Kunden"), t.T("Name, e-mail, company, billing address, VAT ID, password hash, 2FA secret, API key hashes, the privacy notice version seen at registration", "Name, E-Mail, Firma, Rechnungsadresse, USt-IdNr., Passwort-Hash, 2FA-Geheimnis, Hashes der API-Schlüssel, die bei der Registrierung gezeigte Version der Datenschutzhinweise"),
                t.T("On erasure of the account", "Bei Löschung des Kontos")),
            new(t.T("Chat and image inference", "Chat- und Bild-Inferenz"), t.T("Answering prompts, generating images, in the portal and through the API (Art. 6(1)(b); Art. 28 for business customers)", "Beantwortung von Prompts, Bilderzeugung, im Portal und über die API (Art. 6 Abs. 1 lit. b; Art. 28 für Geschäftskunden)"),
                t.T("Users and persons named in content", "Nutzer und in Inhalten genannte Personen"), t.T("Prompts, answers, uploaded and generated images (encrypted)", "Prompts, Antworten, hochgeladene und erzeugte Bilder (verschlüsselt)"),
                AccessReportWriter.RetentionText(p.DefaultChatRetentionDays, t) + t.T(" (chats, default); images ", " (Chats, Standard); Bilder ") + AccessReportWriter.RetentionText(p.DefaultImageRetentionDays, t)),
            new(t.T("Processing records", "Verarbeitungsnachweise"), t.T("Accountability (Art. 5(2))", "Rechenschaftspflicht (Art. 5 Abs. 2)"),
                t.T("Users", "Nutzer"), t.T("Request id, time, model, purpose, region, node — no content", "Anfrage-ID, Zeit, Modell, Zweck, Region, Knoten — kein Inhalt"),
                t.T($"{records.Value.RetentionDays} days", $"{records.Value.RetentionDays} Tage")),
            new(t.T("Billing", "Abrechnung"), t.T("Metering, invoices (Art. 6(1)(b), (c); § 147 AO, § 14b UStG, § 257 HGB)", "Nutzungsmessung, Rechnungen (Art. 6 Abs. 1 lit. b, c; § 147 AO, § 14b UStG, § 257 HGB)"),
                t.T("Customers", "Kunden"), t.T("Usage events, amounts, invoice data", "Nutzungsereignisse, Beträge, Rechnungsdaten"),
                t.T($"Usage and credit records {p.BooksRetentionYears} years (§ 147 Abs. 1 Nr. 1, Abs. 3 AO), pseudonymized after erasure; invoices {p.InvoiceRetentionYears} years (§ 147 Abs. 1 Nr. 4, Abs. 3 AO, § 14b UStG, as of 2025) in an archive not linked to the pseudonym",
                    $"Nutzungs- und Guthabenbuchungen {p.BooksRetentionYears} Jahre (§ 147 Abs. 1 Nr. 1, Abs. 3 AO), nach Löschung pseudonymisiert; Rechnungen {p.InvoiceRetentionYears} Jahre (§ 147 Abs. 1 Nr. 4, Abs. 3 AO, § 14b UStG, Fassung ab 2025) in einem nicht mit dem Pseudonym verknüpften Archiv")),
            new(t.T("Data processing agreements", "Auftragsverarbeitungsverträge"), t.T("Proof of the accepted agreement (Art. 28(3), Art. 6(1)(c))", "Nachweis des angenommenen Vertrags (Art. 28 Abs. 3, Art. 6 Abs. 1 lit. c)"),
                t.T("Business customers", "Geschäftskunden"), t.T("Company, address, VAT ID, version, time, keyed hash of the IP address (never the address itself)", "Firma, Anschrift, USt-IdNr., Version, Zeit, schlüsselbasierter Hash (HMAC) der IP-Adresse (nie die Adresse selbst)"),
                t.T($"After erasure of the account, with the privacy notice version, {p.ContractEvidenceRetentionYears} years from the end of that year ({ContractEvidenceArchive.LegalSource}) in an archive not linked to the pseudonym",
                    $"Nach Löschung des Kontos, mit der Version der Datenschutzhinweise, {p.ContractEvidenceRetentionYears} Jahre ab Ende dieses Jahres ({ContractEvidenceArchive.LegalSource}) in einem nicht mit dem Pseudonym verknüpften Archiv")),
            new(t.T("Sessions and sign-in security", "Sitzungen und Anmeldeschutz"), t.T("Showing signed-in browsers, ending sessions, slowing down password guessing (Art. 6(1)(b), (f))", "Anzeige angemeldeter Browser, Beenden von Sitzungen, Bremsen von Passwortraten (Art. 6 Abs. 1 lit. b, f)"),
                t.T("Users", "Nutzer"), t.T("Browser and system, network without host part, region, last use; failed sign-ins counted in memory", "Browser und System, Netz ohne Host-Anteil, Region, letzte Nutzung; Fehlversuche nur im Arbeitsspeicher gezählt"),
                t.T($"At sign-out or {sessionDays} days after last use", $"Bei Abmeldung oder {sessionDays} Tage nach letzter Nutzung")),
            new(t.T("Account e-mails", "Konto-E-Mails"), t.T("Confirming the address, password reset, notices about exports and erasure (Art. 6(1)(b))", "Bestätigung der Adresse, Passwort-Zurücksetzung, Hinweise zu Export und Löschung (Art. 6 Abs. 1 lit. b)"),
                t.T("Users", "Nutzer"), t.T("E-mail address, message text", "E-Mail-Adresse, Nachrichtentext"),
                t.T("Handed to the configured mail server; without one, kept as files in the data folder until the account is erased", "An den konfigurierten Mailserver übergeben; ohne einen als Dateien im Datenordner bis zur Löschung des Kontos")),
            new(t.T("Audit log", "Audit-Log"), t.T("Security, proof of data-subject requests (Art. 6(1)(c), (f))", "Sicherheit, Nachweis von Betroffenenanfragen (Art. 6 Abs. 1 lit. c, f)"),
                t.T("Users, administrators", "Nutzer, Administratoren"), t.T("Actor id, subject id, action, counts", "Akteur-ID, Betroffenen-ID, Aktion, Anzahlen"),
                t.T("with the processing records", "wie Verarbeitungsnachweise")),
            new(t.T("Application logs", "Anwendungsprotokolle"), t.T("Operating and securing the service (Art. 6(1)(f))", "Betrieb und Absicherung des Dienstes (Art. 6 Abs. 1 lit. f)"),
                t.T("Users", "Nutzer"), t.T("Pseudonymous ids, times, errors — never prompts, outputs or e-mail addresses", "Pseudonyme IDs, Zeiten, Fehler — nie Prompts, Ausgaben oder E-Mail-Adressen"),
                t.T("As long as the server's log rotation keeps them", "So lange die Protokollrotation des Servers sie aufbewahrt")),
        ];
    }
}
