using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.Email;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>The processing activities of the Art. 30(1) register, one per entry.</summary>
public enum RegisterActivity
{
    Accounts,
    Sessions,
    ApiKeys,
    Inference,
    ProcessingRecords,
    Billing,
    AgreementsAndConsents,
    Email,
    Exports,
    Erasure,
    AuditLog,
    ApplicationLogs,
    Breaches,
    Organizations,
}

/// <summary>
/// One Art. 30(1) entry. The privacy policy prints the first five columns; the register adds recipients, transfers and
/// the TOMs (Annex) headings that protect it.
/// </summary>
public sealed record ProcessingActivity(RegisterActivity Kind, string Name, string Purpose, string Subjects, string Data, string Deletion)
{
    public string Recipients { get; init; } = "";
    public string Transfer { get; init; } = "";
    public IReadOnlyList<string> Measures { get; init; } = [];
}

/// <summary>
/// The processing activities with purpose, legal basis and deletion period, derived from the settings. The Art. 30
/// register and the privacy policy both print this one list, so they cannot disagree.
/// </summary>
public sealed class ProcessingActivities(
    IOptions<PrivacyOptions> privacy,
    IOptions<RecordsOptions> records,
    IOptions<SessionsOptions> sessions,
    IOptions<HostingOptions> hosting,
    IOptions<EmailOptions> email,
    OperatorFacts operatorFacts,
    ISubProcessorSource subProcessorSource,
    IEnumerable<IProcessingRecipient> conditionalRecipients,
    TimeProvider time)
{
    /// <summary>
    /// Where each activity's data lives: every entity of the database maps to the activity that registers it, so a new
    /// table without a register entry fails <c>ProcessingRegisterCoverageTests</c>. Null: holds no personal data.
    /// </summary>
    public static readonly IReadOnlyDictionary<Type, RegisterActivity?> Stores = new Dictionary<Type, RegisterActivity?>
    {
        [typeof(ApplicationUser)] = RegisterActivity.Accounts,
        [typeof(IdentityUserClaim<string>)] = RegisterActivity.Accounts,
        [typeof(IdentityUserLogin<string>)] = RegisterActivity.Accounts,
        [typeof(IdentityUserToken<string>)] = RegisterActivity.Accounts,
        [typeof(IdentityUserPasskey<string>)] = RegisterActivity.Accounts,
        [typeof(IdentityUserRole<string>)] = RegisterActivity.Accounts,
        [typeof(IdentityRole)] = null,
        [typeof(IdentityRoleClaim<string>)] = null,
        [typeof(UserSession)] = RegisterActivity.Sessions,
        [typeof(ApiKey)] = RegisterActivity.ApiKeys,
        [typeof(Conversation)] = RegisterActivity.Inference,
        [typeof(ConversationMessage)] = RegisterActivity.Inference,
        [typeof(ChatPreset)] = RegisterActivity.Inference,
        [typeof(GeneratedImage)] = RegisterActivity.Inference,
        // Knowledge collections: the user's documents, their chunk texts, embeddings and positions, used as chat context.
        [typeof(KnowledgeCollection)] = RegisterActivity.Inference,
        [typeof(KnowledgeDocument)] = RegisterActivity.Inference,
        [typeof(KnowledgeChunk)] = RegisterActivity.Inference,
        [typeof(UserDataKey)] = RegisterActivity.Inference,
        [typeof(ProcessingRecord)] = RegisterActivity.ProcessingRecords,
        [typeof(UsageEvent)] = RegisterActivity.Billing,
        [typeof(CreditTransaction)] = RegisterActivity.Billing,
        [typeof(Invoice)] = RegisterActivity.Billing,
        [typeof(InvoiceCounter)] = null,
        [typeof(ModelPrice)] = RegisterActivity.AuditLog,
        [typeof(ModelSetting)] = RegisterActivity.AuditLog,
        [typeof(DpaAcceptance)] = RegisterActivity.AgreementsAndConsents,
        [typeof(ContractEvidence)] = RegisterActivity.AgreementsAndConsents,
        [typeof(DataExport)] = RegisterActivity.Exports,
        [typeof(ErasureJob)] = RegisterActivity.Erasure,
        [typeof(AuditEntry)] = RegisterActivity.AuditLog,
        [typeof(BreachIncident)] = RegisterActivity.Breaches,
        [typeof(Payment)] = RegisterActivity.Billing,
        [typeof(ProcessedPaymentEvent)] = null,
        [typeof(SubProcessor)] = null,
        [typeof(SubProcessorChange)] = RegisterActivity.AuditLog,
        [typeof(SubProcessorObjection)] = RegisterActivity.AgreementsAndConsents,
        [typeof(SubProcessorNotice)] = RegisterActivity.AgreementsAndConsents,
        [typeof(Organization)] = RegisterActivity.Organizations,
        [typeof(OrganizationMember)] = RegisterActivity.Organizations,
        [typeof(OrganizationInvitation)] = RegisterActivity.Organizations,
        // An organization's SSO settings (provider URL, client id, protected secret, domains): configuration, no person's data.
        // The people who sign in through it are Accounts data (AspNetUserLogins: issuer and subject), exported and erased there.
        [typeof(OrganizationSso)] = null,
        // Per-node counts for the admin's system view (queue depth, requests, tokens, disk): no person's data.
        [typeof(NodeMetricSample)] = null,
        // Open budget reservations: deleted when the request ends (minutes at most), and at erasure.
        [typeof(UsageReservation)] = RegisterActivity.Billing,
        // Lease names hold job kinds and row ids, holders node names: no person's data.
        [typeof(ClusterLease)] = null,
        // Remote inference endpoints (URL, region, protected credential, model ids): configuration; who changed them is in the audit log.
        [typeof(RemoteInferenceEndpoint)] = null,
        [typeof(RemoteInferenceModel)] = null,
    };

    /// <summary>What the retention purge deletes (its audit entry's categories), each with the activity whose deletion period it applies.</summary>
    public static readonly IReadOnlyDictionary<string, RegisterActivity> PurgedCategories = new Dictionary<string, RegisterActivity>
    {
        ["conversations"] = RegisterActivity.Inference,
        ["images"] = RegisterActivity.Inference,
        ["archivedInvoices"] = RegisterActivity.Billing,
        ["exports"] = RegisterActivity.Exports,
        ["processingRecords"] = RegisterActivity.ProcessingRecords,
        ["certificates"] = RegisterActivity.Erasure,
        ["contractEvidence"] = RegisterActivity.AgreementsAndConsents,
        ["erasedUsageEvents"] = RegisterActivity.Billing,
        ["erasedCreditTransactions"] = RegisterActivity.Billing,
        ["erasedPayments"] = RegisterActivity.Billing,
        ["expiredInvitations"] = RegisterActivity.Organizations,
    };

    /// <summary>The inference purposes a processing record names (<see cref="ProcessingPurpose"/>), as the register words them; an unknown one throws.</summary>
    public static string PurposeLabel(string purpose, ReportText t) => purpose switch
    {
        ProcessingPurpose.Chat => t.T("chat answers", "Chat-Antworten"),
        ProcessingPurpose.ImageGeneration => t.T("image generation", "Bilderzeugung"),
        ProcessingPurpose.ImageEdit => t.T("image editing", "Bildbearbeitung"),
        ProcessingPurpose.BackgroundRemoval => t.T("background removal", "Hintergrundentfernung"),
        ProcessingPurpose.Embedding => t.T("text embeddings", "Text-Embeddings"),
        _ => throw new ArgumentOutOfRangeException(nameof(purpose), purpose, "The purpose has no entry in the Art. 30 register."),
    };

    /// <summary>Every purpose constant of <see cref="ProcessingPurpose"/> (its legal basis aside).</summary>
    public static IReadOnlyList<string> InferencePurposes { get; } =
    [
        .. typeof(ProcessingPurpose).GetFields().Where(f => f.IsLiteral && f.Name != nameof(ProcessingPurpose.LegalBasis)).Select(f => (string)f.GetRawConstantValue()!),
    ];

    /// <summary>No transfer by the operator; with sub-processors configured, their own entries state where they process.</summary>
    public static string TransferText(SubProcessorList subProcessors, string region, ReportText t) => subProcessors.InForce.Count == 0
        ? t.T($"None; processed in region {region}", $"Keine; Verarbeitung in Region {region}")
        : t.T($"None by the operator (region {region}); sub-processors process where their entry under Recipients states", $"Keine durch den Betreiber (Region {region}); Unterauftragsverarbeiter verarbeiten dort, wo ihr Eintrag unter Empfänger es angibt");

    public IReadOnlyList<ProcessingActivity> Describe(ReportText t) =>
    [
        .. DescribeAll(t).Select(a => conditionalRecipients.Where(r => r.Activity == a.Kind).Select(r => r.Describe(t)).OfType<string>().ToList() is { Count: > 0 } more
            ? a with { Recipients = a.Recipients + "; " + string.Join("; ", more) }
            : a),
    ];

    private IReadOnlyList<ProcessingActivity> DescribeAll(ReportText t)
    {
        var p = privacy.Value;
        var sessionDays = (int)sessions.Value.IdleLifetime.TotalDays;
        var region = hosting.Value.Region;
        var hostingRecipient = t.T($"Hosting provider (servers, data centre): {operatorFacts.Show(OperatorField.HostingProvider, t)}", $"Hosting-Dienstleister (Server, Rechenzentrum): {operatorFacts.Show(OperatorField.HostingProvider, t)}");
        var inForce = subProcessorSource.Current(time.GetUtcNow());
        var subProcessors = inForce.InForce.Count == 0 ? "" : t.T("; sub-processors: ", "; Unterauftragsverarbeiter: ") + string.Join("; ", inForce.Lines(t));
        var internalOnly = hostingRecipient + subProcessors;
        var noTransfer = TransferText(inForce, region, t);
        var smtpHost = email.Value.SmtpHost;
        var mailRecipient = string.IsNullOrWhiteSpace(smtpHost)
            ? t.T("None: no mail server is configured; messages stay as files in the data folder", "Keine: kein Mailserver eingerichtet; Nachrichten bleiben als Dateien im Datenordner")
            : t.T($"The configured mail server {smtpHost} and the recipient's mail provider", $"Der eingerichtete Mailserver {smtpHost} und der Mail-Anbieter des Empfängers");
        var mailTransfer = string.IsNullOrWhiteSpace(smtpHost)
            ? noTransfer
            : t.T($"Not by the operator; the location of mail server {smtpHost}: ", $"Nicht durch den Betreiber; Standort des Mailservers {smtpHost}: ") + OrganisationalMeasures.Unconfirmed(t);
        var purposes = string.Join(", ", InferencePurposes.Select(purpose => PurposeLabel(purpose, t)));
        var logRetention = p.ApplicationLogRetentionDays is { } logDays
            ? t.T($"{logDays} days (the host's log retention, as stated by the operator)", $"{logDays} Tage (Protokollaufbewahrung des Servers, nach Angabe des Betreibers)")
            : t.T("As long as the host's log retention keeps them (systemd journal under the shipped unit): ", "So lange die Protokollaufbewahrung des Servers sie hält (systemd-Journal bei der mitgelieferten Unit): ") + OrganisationalMeasures.Unconfirmed(t);
        string[] Toms(params (string English, string German)[] areas) => [.. areas.Select(a => t.T(a.English, a.German))];
        var access = ("Access control", "Zugangs- und Zugriffskontrolle");
        var encryption = ("Pseudonymisation and encryption", "Pseudonymisierung und Verschlüsselung");
        var deletion = ("Deletion periods", "Löschfristen");
        var separation = ("Separation control", "Trennungskontrolle");
        var input = ("Input control", "Eingabekontrolle");
        var transfer = ("Transfer control", "Weitergabekontrolle");
        var availability = ("Availability and resilience", "Verfügbarkeit und Belastbarkeit");

        return
        [
            new(RegisterActivity.Accounts, t.T("Accounts", "Konten"), t.T("Registration, sign-in, 2FA, profile (Art. 6(1)(b))", "Registrierung, Anmeldung, 2FA, Profil (Art. 6 Abs. 1 lit. b)"),
                t.T("Customers' employees", "Beschäftigte der Kunden"), t.T("Name, e-mail, company, billing address, VAT ID, password hash, 2FA secret, roles", "Name, E-Mail, Firma, Rechnungsadresse, USt-IdNr., Passwort-Hash, 2FA-Geheimnis, Rollen"),
                t.T("On erasure of the account", "Bei Löschung des Kontos"))
            { Recipients = internalOnly, Transfer = noTransfer, Measures = Toms(access, encryption, separation) },
            new(RegisterActivity.Sessions, t.T("Sessions and sign-in security", "Sitzungen und Anmeldeschutz"), t.T("Showing signed-in browsers, ending sessions, slowing down password guessing (Art. 6(1)(b), (f))", "Anzeige angemeldeter Browser, Beenden von Sitzungen, Bremsen von Passwortraten (Art. 6 Abs. 1 lit. b, f)"),
                t.T("Users", "Nutzer"), t.T($"Browser and system, network without host part, region, last use; failed sign-ins per e-mail and IP address counted in memory only, forgotten after {SignInThrottle.ForgetAfter.TotalMinutes:0} minutes", $"Browser und System, Netz ohne Host-Anteil, Region, letzte Nutzung; Fehlversuche je E-Mail- und IP-Adresse nur im Arbeitsspeicher gezählt, nach {SignInThrottle.ForgetAfter.TotalMinutes:0} Minuten vergessen"),
                t.T($"At sign-out or {sessionDays} days after last use", $"Bei Abmeldung oder {sessionDays} Tage nach letzter Nutzung"))
            { Recipients = internalOnly, Transfer = noTransfer, Measures = Toms(access, deletion) },
            new(RegisterActivity.ApiKeys, t.T("API keys", "API-Schlüssel"), t.T("Authenticating programs that use the API, per-key budgets (Art. 6(1)(b))", "Authentisierung von Programmen an der API, Budgets je Schlüssel (Art. 6 Abs. 1 lit. b)"),
                t.T("Customers' employees", "Beschäftigte der Kunden"), t.T("Key name, prefix, hash of the secret (never the secret), scopes, budget, creation, last use, expiry, revocation", "Schlüsselname, Präfix, Hash des Geheimnisses (nie das Geheimnis), Berechtigungen, Budget, Erstellung, letzte Nutzung, Ablauf, Widerruf"),
                t.T("On erasure of the account", "Bei Löschung des Kontos"))
            { Recipients = internalOnly, Transfer = noTransfer, Measures = Toms(access, encryption) },
            new(RegisterActivity.Inference, t.T("Chat and image inference", "Chat- und Bild-Inferenz"), t.T($"Answering prompts, generating images, in the portal and through the API: {purposes} (Art. 6(1)(b); Art. 28 for business customers)", $"Beantwortung von Prompts, Bilderzeugung, im Portal und über die API: {purposes} (Art. 6 Abs. 1 lit. b; Art. 28 für Geschäftskunden)"),
                t.T("Users and persons named in content", "Nutzer und in Inhalten genannte Personen"), t.T("Prompts, answers, system prompts, presets, uploaded and generated images (encrypted per user); special categories (Art. 9) if users enter them", "Prompts, Antworten, Systemprompts, Vorlagen, hochgeladene und erzeugte Bilder (je Nutzer verschlüsselt); besondere Kategorien (Art. 9), wenn Nutzer sie eingeben"),
                AccessReportWriter.RetentionText(p.DefaultChatRetentionDays, t) + t.T(" (chats, default); images ", " (Chats, Standard); Bilder ") + AccessReportWriter.RetentionText(p.DefaultImageRetentionDays, t))
            { Recipients = t.T("No model provider: the models run in-process on the operator's hardware. ", "Kein Modellanbieter: Die Modelle laufen im Prozess auf Hardware des Betreibers. ") + internalOnly, Transfer = noTransfer, Measures = Toms(encryption, separation, deletion) },
            new(RegisterActivity.ProcessingRecords, t.T("Processing records", "Verarbeitungsnachweise"), t.T("Accountability (Art. 5(2))", "Rechenschaftspflicht (Art. 5 Abs. 2)"),
                t.T("Users", "Nutzer"), t.T("Request id, time, model, purpose, region, node — no content", "Anfrage-ID, Zeit, Modell, Zweck, Region, Knoten — kein Inhalt"),
                t.T($"{records.Value.RetentionDays} days; pseudonymized after erasure", $"{records.Value.RetentionDays} Tage; nach Löschung pseudonymisiert"))
            { Recipients = internalOnly, Transfer = noTransfer, Measures = Toms(input, deletion) },
            new(RegisterActivity.Billing, t.T("Billing", "Abrechnung"), t.T("Metering, invoices (Art. 6(1)(b), (c); § 147 AO, § 14b UStG, § 257 HGB)", "Nutzungsmessung, Rechnungen (Art. 6 Abs. 1 lit. b, c; § 147 AO, § 14b UStG, § 257 HGB)"),
                t.T("Customers", "Kunden"), t.T("Usage events, amounts, credit transactions, top-up payments (amount, method type, payment reference), invoice data", "Nutzungsereignisse, Beträge, Guthabenbuchungen, Aufladungszahlungen (Betrag, Zahlungsart, Zahlungsreferenz), Rechnungsdaten"),
                t.T($"Usage and credit records {p.BooksRetentionYears} years (§ 147 Abs. 1 Nr. 1, Abs. 3 AO), pseudonymized after erasure; invoices {p.InvoiceRetentionYears} years (§ 147 Abs. 1 Nr. 4, Abs. 3 AO, § 14b UStG, as of 2025) in an archive not linked to the pseudonym",
                    $"Nutzungs- und Guthabenbuchungen {p.BooksRetentionYears} Jahre (§ 147 Abs. 1 Nr. 1, Abs. 3 AO), nach Löschung pseudonymisiert; Rechnungen {p.InvoiceRetentionYears} Jahre (§ 147 Abs. 1 Nr. 4, Abs. 3 AO, § 14b UStG, Fassung ab 2025) in einem nicht mit dem Pseudonym verknüpften Archiv"))
            { Recipients = internalOnly + t.T("; tax authorities and auditors on request (§ 147 Abs. 6 AO)", "; Finanzbehörden und Prüfer auf Anforderung (§ 147 Abs. 6 AO)"), Transfer = noTransfer, Measures = Toms(deletion, separation) },
            new(RegisterActivity.AgreementsAndConsents, t.T("Data processing agreements and privacy notices", "Auftragsverarbeitungsverträge und Datenschutzhinweise"), t.T("Proof of the accepted agreement and of the notice shown at registration (Art. 28(3), Art. 13, Art. 6(1)(c))", "Nachweis des angenommenen Vertrags und der bei der Registrierung gezeigten Hinweise (Art. 28 Abs. 3, Art. 13, Art. 6 Abs. 1 lit. c)"),
                t.T("Business customers, users", "Geschäftskunden, Nutzer"), t.T("Company, address, VAT ID, agreement version, time, keyed hash of the IP address (never the address itself); version of the privacy notice seen at registration; notices of sub-processor changes sent, objections to them with their reason", "Firma, Anschrift, USt-IdNr., Vertragsversion, Zeit, schlüsselbasierter Hash (HMAC) der IP-Adresse (nie die Adresse selbst); Version der bei der Registrierung gezeigten Datenschutzhinweise; versandte Hinweise auf Änderungen der Unterauftragsverarbeiter, Einsprüche dagegen mit Begründung"),
                t.T($"Until erasure of the account; then {p.ContractEvidenceRetentionYears} years from the end of that year ({ContractEvidenceArchive.LegalSource}) in an archive not linked to the pseudonym",
                    $"Bis zur Löschung des Kontos; danach {p.ContractEvidenceRetentionYears} Jahre ab Ende dieses Jahres ({ContractEvidenceArchive.LegalSource}) in einem nicht mit dem Pseudonym verknüpften Archiv"))
            { Recipients = internalOnly, Transfer = noTransfer, Measures = Toms(encryption, input, separation) },
            new(RegisterActivity.Email, t.T("Account e-mails and notifications", "Konto-E-Mails und Benachrichtigungen"), t.T("Confirming the address, password reset, notices about exports, erasure, budgets and invoices (Art. 6(1)(b))", "Bestätigung der Adresse, Passwort-Zurücksetzung, Hinweise zu Export, Löschung, Budgets und Rechnungen (Art. 6 Abs. 1 lit. b)"),
                t.T("Users", "Nutzer"), t.T("E-mail address, name, message text, invoice attachments", "E-Mail-Adresse, Name, Nachrichtentext, Rechnungsanhänge"),
                string.IsNullOrWhiteSpace(smtpHost)
                    ? t.T("Kept as files in the data folder until the account is erased", "Als Dateien im Datenordner bis zur Löschung des Kontos")
                    : t.T("Not kept by the application once handed to the mail server", "Von der Anwendung nach Übergabe an den Mailserver nicht aufbewahrt"))
            { Recipients = mailRecipient, Transfer = mailTransfer, Measures = Toms(transfer) },
            new(RegisterActivity.Exports, t.T("Data exports", "Datenexporte"), t.T("Access and portability (Art. 15, 20; Art. 6(1)(c))", "Auskunft und Datenübertragbarkeit (Art. 15, 20; Art. 6 Abs. 1 lit. c)"),
                t.T("Users", "Nutzer"), t.T("A ZIP of all the account's data (encrypted at rest), status, size, times", "Ein ZIP aller Daten des Kontos (verschlüsselt gespeichert), Status, Größe, Zeiten"),
                t.T($"{p.ExportLinkHours} hours after completion", $"{p.ExportLinkHours} Stunden nach Fertigstellung"))
            { Recipients = t.T("Only the account holder", "Nur der Kontoinhaber"), Transfer = noTransfer, Measures = Toms(transfer, encryption) },
            new(RegisterActivity.Erasure, t.T("Erasure and deletion certificates", "Löschung und Löschprotokolle"), t.T("Erasure (Art. 17), proof of it, erasing again after a restore from backup (Art. 6(1)(c))", "Löschung (Art. 17), ihr Nachweis, erneute Löschung nach Wiederherstellung einer Sicherung (Art. 6 Abs. 1 lit. c)"),
                t.T("Former users", "Ehemalige Nutzer"), t.T("Random reference, stage, counts, the sealed certificate; the erasure ledger holds time and a keyed hash of the account id", "Zufällige Referenz, Stand, Anzahlen, das versiegelte Protokoll; das Löschregister hält Zeit und einen schlüsselbasierten Hash der Konto-ID"),
                t.T($"Certificate {p.ExportLinkHours} hours; reference and ledger entry kept so a restored backup is erased again", $"Protokoll {p.ExportLinkHours} Stunden; Referenz und Eintrag im Löschregister bleiben, damit eine wiederhergestellte Sicherung erneut gelöscht wird"))
            { Recipients = t.T("Only the former account holder (one-time link)", "Nur der ehemalige Kontoinhaber (Einmal-Link)"), Transfer = noTransfer, Measures = Toms(availability, deletion) },
            new(RegisterActivity.AuditLog, t.T("Audit log", "Audit-Log"), t.T("Security, proof of data-subject requests and administrator actions (Art. 6(1)(c), (f))", "Sicherheit, Nachweis von Betroffenenanfragen und Administratoraktionen (Art. 6 Abs. 1 lit. c, f)"),
                t.T("Users, administrators", "Nutzer, Administratoren"), t.T("Actor id, subject id, action, counts; administrators' changes to models and prices", "Akteur-ID, Betroffenen-ID, Aktion, Anzahlen; Änderungen der Administratoren an Modellen und Preisen"),
                t.T("No automatic deletion; entries about an erased account are pseudonymized", "Keine automatische Löschung; Einträge zu gelöschten Konten werden pseudonymisiert"))
            { Recipients = internalOnly, Transfer = noTransfer, Measures = Toms(input) },
            new(RegisterActivity.ApplicationLogs, t.T("Application logs", "Anwendungsprotokolle"), t.T("Operating and securing the service (Art. 6(1)(f))", "Betrieb und Absicherung des Dienstes (Art. 6 Abs. 1 lit. f)"),
                t.T("Users", "Nutzer"), t.T("Pseudonymous ids, times, errors — never prompts, outputs or e-mail addresses", "Pseudonyme IDs, Zeiten, Fehler — nie Prompts, Ausgaben oder E-Mail-Adressen"),
                logRetention)
            { Recipients = internalOnly, Transfer = noTransfer, Measures = Toms(input) },
            new(RegisterActivity.Breaches, t.T("Personal data breach register", "Register der Datenschutzverletzungen"), t.T("Documenting breaches, notifying the supervisory authority and the people affected (Art. 33, 34; Art. 6(1)(c))", "Dokumentation von Verletzungen, Meldung an die Aufsichtsbehörde und Benachrichtigung der Betroffenen (Art. 33, 34; Art. 6 Abs. 1 lit. c)"),
                t.T("Users, administrators", "Nutzer, Administratoren"), t.T("Recording administrator's id, description, categories and numbers of people and records concerned, times of the notifications; which accounts were notified is in the audit log", "ID des erfassenden Administrators, Beschreibung, betroffene Kategorien und Anzahl der Personen und Datensätze, Zeitpunkte der Meldungen; welche Konten benachrichtigt wurden, steht im Audit-Log"),
                t.T("No automatic deletion: the documentation must stay available to the supervisory authority (Art. 33(5)); the register holds numbers, not the accounts", "Keine automatische Löschung: die Dokumentation muss der Aufsichtsbehörde zur Verfügung stehen (Art. 33 Abs. 5); das Register enthält Anzahlen, nicht die Konten"))
            { Recipients = internalOnly + t.T("; the supervisory authority when a breach is notified", "; die Aufsichtsbehörde, wenn eine Verletzung gemeldet wird"), Transfer = noTransfer, Measures = Toms(access, input) },
            // Its own entry: it discloses members' names and usage amounts to other people (the organization's owners and admins).
            new(RegisterActivity.Organizations, t.T("Customer organizations and their members", "Kundenorganisationen und ihre Mitglieder"), t.T("Administering customer organizations: members and roles, invitations, budgets, showing members and their usage amounts to the organization's owners and admins (Art. 6(1)(b) with the organization; Art. 6(1)(f) towards its members: the organization pays for their usage)", "Verwaltung von Kundenorganisationen: Mitglieder und Rollen, Einladungen, Budgets, Anzeige der Mitglieder und ihrer Nutzungsbeträge für Inhaber und Administratoren der Organisation (Art. 6 Abs. 1 lit. b gegenüber der Organisation; Art. 6 Abs. 1 lit. f gegenüber ihren Mitgliedern: die Organisation bezahlt deren Nutzung)"),
                t.T("Customers' employees (members), invited persons", "Beschäftigte der Kunden (Mitglieder), eingeladene Personen"), t.T("Organization name, address, VAT ID, e-invoice settings; per member account id, role, budget, joined; per invitation the invited e-mail address, role, inviting member, hash of the link, times; never content", "Name, Anschrift, USt-IdNr. und E-Rechnungs-Einstellungen der Organisation; je Mitglied Konto-ID, Rolle, Budget, Beitritt; je Einladung die eingeladene E-Mail-Adresse, Rolle, einladendes Mitglied, Hash des Links, Zeiten; nie Inhalte"),
                t.T($"A membership when the member leaves, is removed or erases the account; invitations {OrganizationInvitation.KeptDaysAfterExpiry} days after their link expired, or earlier with their organization or the invited account; the organization when its owners delete it or its last member erases the account. Usage and invoices of the organization: as under Billing, without the person after erasure",
                    $"Eine Mitgliedschaft, wenn das Mitglied austritt, entfernt wird oder sein Konto löscht; Einladungen {OrganizationInvitation.KeptDaysAfterExpiry} Tage nach Ablauf ihres Links, früher mit ihrer Organisation oder dem eingeladenen Konto; die Organisation, wenn ihre Inhaber sie löschen oder ihr letztes Mitglied sein Konto löscht. Nutzung und Rechnungen der Organisation: wie unter Abrechnung, nach Löschung ohne die Person"))
            // The organization's owners and admins as recipients come from Organizations (IProcessingRecipient).
            { Recipients = internalOnly, Transfer = noTransfer, Measures = Toms(access, separation, deletion) },
        ];
    }
}
