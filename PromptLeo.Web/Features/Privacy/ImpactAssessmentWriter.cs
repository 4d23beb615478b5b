using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Features.Reports;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Web.Features.Privacy;

public enum RiskLevel { Low, Medium, High }

/// <summary>One risk to data subjects with its likelihood, severity, the measures against it and what remains.</summary>
public sealed record ImpactRisk(string Risk, RiskLevel Likelihood, RiskLevel Severity, IReadOnlyList<string> Measures, RiskLevel Residual);

/// <summary>
/// The data protection impact assessment (DSFA, Art. 35) as a PDF, written from the live settings: installed models,
/// region and node, retention, channels, and the measures as configured. Likelihood and residual risk move with the
/// settings they depend on; organisational items print "[to be confirmed by the operator]" until the operator sets them.
/// </summary>
public sealed class ImpactAssessmentWriter(
    IDbContextFactory<AppDbContext> dbFactory,
    IModelRegistry registry,
    TechnicalMeasures measures,
    OrganisationalMeasures organisational,
    OperatorFacts operatorFacts,
    ProcessingActivities activities,
    KeyRingProtection keyRing,
    ErasureLedger ledger,
    IOptions<PrivacyOptions> privacy,
    IOptions<RecordsOptions> records,
    IOptions<HostingOptions> hosting,
    IOptions<Cluster.ClusterOptions> cluster,
    IEnumerable<IProcessingChannel> channels,
    IOptions<IdentityOptions> identity)
{
    public static string Level(RiskLevel level, ReportText t) => level switch
    {
        RiskLevel.Low => t.T("low", "gering"),
        RiskLevel.Medium => t.T("medium", "mittel"),
        _ => t.T("high", "hoch"),
    };

    public async Task<byte[]> WriteAsync(string language, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var t = new ReportText(language);
        var p = privacy.Value;
        var h = hosting.Value;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var disabled = (await db.ModelSettings.AsNoTracking().Where(s => s.Disabled).Select(s => s.ModelId).ToListAsync(cancellationToken)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var models = registry.List().Select(m => m.Manifest).OrderBy(m => m.Kind).ThenBy(m => m.Id, StringComparer.Ordinal).ToList();
        var accounts = await db.Users.CountAsync(cancellationToken);
        // Customers are organizations with a DPA (rows from before organizations count per account).
        var customers = (await db.DpaAcceptances.Select(a => new { a.OrganizationId, a.UserId }).ToListAsync(cancellationToken))
            .Select(a => a.OrganizationId == Guid.Empty ? a.UserId : a.OrganizationId.ToString()).Distinct().Count();
        var risks = await RisksAsync(t, models.Any(m => m.Kind == ModelKind.Chat && !disabled.Contains(m.Id)), cancellationToken);

        using var pdf = new PdfReport(t.T("Data protection impact assessment (Art. 35 GDPR)", "Datenschutz-Folgenabschätzung (Art. 35 DSGVO)"), $"PromptLeo · {operatorFacts.Name(t)} · {t.Date(now)}", language: t.Language);
        pdf.KeyValues(
        [
            (t.T("Controller", "Verantwortlicher"), operatorFacts.Contact(t)),
            (t.T("Data protection officer", "Datenschutzbeauftragter"), operatorFacts.DataProtectionOfficer(t)),
            (t.T("Version", "Stand"), t.T($"{t.DateTime(now)}, generated from the settings in force", $"{t.DateTime(now)}, erzeugt aus den geltenden Einstellungen")),
        ]);

        pdf.Heading(t.T("1. Systematic description of the processing (Art. 35(7)(a))", "1. Systematische Beschreibung der Verarbeitung (Art. 35 Abs. 7 lit. a)"));
        pdf.KeyValues(
        [
            (t.T("Nature", "Art"), t.T("Generative AI: language models answer prompts, image models generate and edit images; content is stored per user, encrypted.", "Generative KI: Sprachmodelle beantworten Prompts, Bildmodelle erzeugen und bearbeiten Bilder; Inhalte werden je Nutzer verschlüsselt gespeichert.")),
            (t.T("Channels", "Kanäle"), string.Join(t.T(" and ", " und "), channels.Select(c => c.Describe(t)).Prepend(t.T("Web portal (signed-in users)", "Webportal (angemeldete Nutzer)"))) + "."),
            (t.T("Models", "Modelle"), models.Count == 0 ? t.T("None installed.", "Keine installiert.") : string.Join("; ", models.Select(m => $"{m.Id} ({Kind(m.Kind, t)}, {(disabled.Contains(m.Id) ? t.T("disabled", "deaktiviert") : t.T("enabled", "aktiviert"))})"))),
            (t.T("Where", "Ort"), t.T($"Region {h.Region}, node {cluster.Value.NodeName}; the models run in-process on the operator's hardware.", $"Region {h.Region}, Knoten {cluster.Value.NodeName}; die Modelle laufen im Prozess auf Hardware des Betreibers.")),
            (t.T("Scope", "Umfang"), t.T($"Accounts: {accounts}; business customers with a data processing agreement: {customers}.", $"Konten: {accounts}; Geschäftskunden mit Auftragsverarbeitungsvertrag: {customers}.")),
            (t.T("Retention", "Aufbewahrung"), t.T($"Chats: {Retention(p.DefaultChatRetentionDays, t)} (default for new accounts, each user can change it); images: {Retention(p.DefaultImageRetentionDays, t)}; knowledge documents with their passages and vectors: {DocumentRetention(p.DefaultDocumentRetentionDays, t)}; processing records: {records.Value.RetentionDays} days; exports: {p.ExportLinkHours} hours.",
                $"Chats: {Retention(p.DefaultChatRetentionDays, t)} (Voreinstellung für neue Konten, je Nutzer änderbar); Bilder: {Retention(p.DefaultImageRetentionDays, t)}; Wissensdokumente mit ihren Passagen und Vektoren: {DocumentRetention(p.DefaultDocumentRetentionDays, t)}; Verarbeitungsnachweise: {records.Value.RetentionDays} Tage; Exporte: {p.ExportLinkHours} Stunden.")),
        ]);
        pdf.Paragraph(t.T("Activities, data subjects and data categories (from the Art. 30 register):", "Tätigkeiten, Betroffene und Datenkategorien (aus dem Verzeichnis nach Art. 30):"));
        pdf.Table([t.T("Activity", "Tätigkeit"), t.T("Data subjects", "Betroffene"), t.T("Data categories", "Datenkategorien")],
            activities.Describe(t).Select(a => (IReadOnlyList<string>)[a.Name, a.Subjects, a.Data]), [1.2, 1.2, 2.6], dense: true);

        pdf.Heading(t.T("2. Purposes", "2. Zwecke"));
        pdf.Bullets(activities.Describe(t).Select(a => $"{a.Name}: {a.Purpose}"));

        pdf.Heading(t.T("3. Necessity and proportionality (Art. 35(7)(b))", "3. Notwendigkeit und Verhältnismäßigkeit (Art. 35 Abs. 7 lit. b)"));
        pdf.Bullets(
        [
            t.T("Data minimisation: application logs never contain prompts, outputs or e-mail addresses; processing records hold metadata only, never content.", "Datenminimierung: Anwendungsprotokolle enthalten nie Prompts, Ausgaben oder E-Mail-Adressen; Verarbeitungsnachweise enthalten nur Metadaten, nie Inhalte."),
            t.T($"Storage limitation: chats are kept {Retention(p.DefaultChatRetentionDays, t)} and images {Retention(p.DefaultImageRetentionDays, t)} by default; the purge runs every {p.PurgeIntervalMinutes} minutes.", $"Speicherbegrenzung: Chats werden standardmäßig {Retention(p.DefaultChatRetentionDays, t)} und Bilder {Retention(p.DefaultImageRetentionDays, t)} aufbewahrt; die Löschung läuft alle {p.PurgeIntervalMinutes} Minuten."),
            t.T("Zero retention: every user can set chats to \"never stored\" or use temporary chats; then only the processing record remains.", "Keine Speicherung: Jeder Nutzer kann Chats auf „nie gespeichert“ stellen oder temporäre Chats nutzen; dann bleibt nur der Verarbeitungsnachweis."),
            t.T("Encryption per user: content is encrypted with AES-256-GCM under a key per user; erasure destroys the key.", "Verschlüsselung je Nutzer: Inhalte sind mit AES-256-GCM unter einem Schlüssel je Nutzer verschlüsselt; die Löschung vernichtet den Schlüssel."),
            t.T("No transfer: no data goes to model providers or third countries; models are not trained on user data; no profiling or automated decisions (Art. 22).", "Keine Übermittlung: Keine Daten gehen an Modellanbieter oder in Drittländer; die Modelle werden nicht mit Nutzerdaten trainiert; keine Profilbildung oder automatisierten Entscheidungen (Art. 22)."),
            t.T("Rights of data subjects: export, rectification, erasure and restriction are self-service in the Privacy Center.", "Betroffenenrechte: Export, Berichtigung, Löschung und Einschränkung sind im Datenschutz-Center selbst ausführbar."),
        ]);

        pdf.Heading(t.T("4. Risks to the rights and freedoms of data subjects and measures (Art. 35(7)(c), (d))", "4. Risiken für die Rechte und Freiheiten der Betroffenen und Abhilfemaßnahmen (Art. 35 Abs. 7 lit. c, d)"));
        foreach (var (risk, number) in risks.Select((r, i) => (r, i + 1)))
        {
            pdf.Heading($"4.{number} {risk.Risk}");
            pdf.KeyValues(
            [
                (t.T("Likelihood", "Eintrittswahrscheinlichkeit"), Level(risk.Likelihood, t)),
                (t.T("Severity", "Schwere"), Level(risk.Severity, t)),
                (t.T("Residual risk", "Restrisiko"), Level(risk.Residual, t)),
            ]);
            pdf.Bullets(risk.Measures);
        }

        pdf.Heading(t.T("5. Result", "5. Ergebnis"));
        var highest = risks.Max(r => r.Residual);
        pdf.Paragraph(highest == RiskLevel.High
            ? t.T("A high residual risk remains: the supervisory authority must be consulted before the processing (Art. 36(1)).", "Es verbleibt ein hohes Restrisiko: Vor der Verarbeitung ist die Aufsichtsbehörde zu konsultieren (Art. 36 Abs. 1).")
            : t.T($"The highest residual risk is {Level(highest, t)}; with the measures above no prior consultation of the supervisory authority (Art. 36) is required.", $"Das höchste Restrisiko ist {Level(highest, t)}; mit den genannten Maßnahmen ist keine vorherige Konsultation der Aufsichtsbehörde (Art. 36) erforderlich."));
        pdf.KeyValues(
        [
            (t.T("Advice of the data protection officer (Art. 35(2))", "Stellungnahme des Datenschutzbeauftragten (Art. 35 Abs. 2)"), Signature(t)),
            (t.T("Approved by the controller", "Freigabe durch den Verantwortlichen"), Signature(t)),
            (t.T("Review (Art. 35(11))", "Überprüfung (Art. 35 Abs. 11)"), t.T("This document is regenerated from the live settings at every download; the operator reviews it whenever the processing changes.", "Dieses Dokument wird bei jedem Herunterladen aus den geltenden Einstellungen erzeugt; der Betreiber überprüft es bei jeder Änderung der Verarbeitung.")),
        ]);
        ProcessingRegisterWriter.WriteAnnex(pdf, await measures.DescribeAsync(t, cancellationToken), t, t.T("Art. 35(7)(d)", "Art. 35 Abs. 7 lit. d"));
        return pdf.ToBytes();
    }

    /// <summary>The risks, each rated from the settings that change it.</summary>
    internal async Task<IReadOnlyList<ImpactRisk>> RisksAsync(ReportText t, bool chatModelEnabled, CancellationToken cancellationToken)
    {
        var p = privacy.Value;
        var (admins, adminsWith2fa) = await measures.AdminTwoFactorAsync(cancellationToken);
        var allAdminsWith2fa = admins > 0 && admins == adminsWith2fa;
        var chatsKeptForever = p.DefaultChatRetentionDays is null;
        string Stated(OrganisationalMeasure measure) => organisational.Show(measure, t);
        var chatRetention = Retention(p.DefaultChatRetentionDays, t);

        return
        [
            new(t.T("Special categories of data (Art. 9) in prompts and outputs", "Besondere Kategorien personenbezogener Daten (Art. 9) in Prompts und Ausgaben"),
                RiskLevel.High, RiskLevel.High,
                [
                    t.T("Users may type health, religious, political or other Art. 9 data into free-text prompts, and outputs may repeat or infer it; the service does not analyse or classify content.", "Nutzer können Gesundheits-, Religions-, politische oder andere Daten nach Art. 9 in freie Prompts eingeben, und Ausgaben können sie wiederholen oder ableiten; der Dienst analysiert oder klassifiziert keine Inhalte."),
                    t.T("Content is encrypted per user (AES-256-GCM) and readable only by its owner; other users' ids answer 404.", "Inhalte sind je Nutzer verschlüsselt (AES-256-GCM) und nur für den Eigentümer lesbar; fremde IDs liefern 404."),
                    t.T($"Default chat retention: {chatRetention}; users can shorten it or store nothing.", $"Voreinstellung der Chat-Aufbewahrung: {chatRetention}; Nutzer können sie verkürzen oder nichts speichern."),
                    t.T("The data processing agreement lets the customer decide whether its users may enter such data.", "Der Auftragsverarbeitungsvertrag überlässt dem Kunden die Entscheidung, ob seine Nutzer solche Daten eingeben dürfen."),
                ],
                chatsKeptForever ? RiskLevel.Medium : RiskLevel.Low),
            new(t.T("Statements about real persons (hallucinations) and the limits of rectification (Art. 16)", "Aussagen über reale Personen (Halluzinationen) und Grenzen der Berichtigung (Art. 16)"),
                chatModelEnabled ? RiskLevel.Medium : RiskLevel.Low, RiskLevel.Medium,
                [
                    t.T("Language models can produce false statements about named people. A model's weights cannot be corrected; rectification reaches the stored answers only: users delete chats, and the operator can disable a model.", "Sprachmodelle können falsche Aussagen über namentlich genannte Personen erzeugen. Die Gewichte eines Modells lassen sich nicht berichtigen; die Berichtigung erreicht nur gespeicherte Antworten: Nutzer löschen Chats, und der Betreiber kann ein Modell deaktivieren."),
                    t.T("In the portal every answer and image is labelled as AI-generated (AI Act Art. 50); every image file carries machine-readable provenance.", "Im Portal ist jede Antwort und jedes Bild als KI-erzeugt gekennzeichnet (KI-VO Art. 50); jede Bilddatei trägt maschinenlesbare Herkunftsangaben."),
                    t.T("Models are not trained or fine-tuned on user data, so a statement does not spread to other users.", "Die Modelle werden nicht mit Nutzerdaten trainiert oder nachtrainiert, sodass sich eine Aussage nicht auf andere Nutzer überträgt."),
                ],
                chatModelEnabled ? RiskLevel.Medium : RiskLevel.Low),
            new(t.T("Unauthorized access to accounts, content or backups", "Unbefugter Zugriff auf Konten, Inhalte oder Sicherungen"),
                allAdminsWith2fa && keyRing.IsProtected ? RiskLevel.Low : RiskLevel.Medium, RiskLevel.High,
                [
                    t.T($"Passwords of at least {identity.Value.Password.RequiredLength} characters, growing waits after failed sign-ins, sessions the user can end.", $"Passwörter mit mindestens {identity.Value.Password.RequiredLength} Zeichen, wachsende Wartezeiten nach Fehlversuchen, vom Nutzer beendbare Sitzungen."),
                    t.T($"Two-factor authentication is offered to all and not enforced; administrators with two-factor authentication: {adminsWith2fa} of {admins}.", $"Zwei-Faktor-Authentisierung steht allen zur Verfügung und wird nicht erzwungen; Administratoren mit Zwei-Faktor-Authentisierung: {adminsWith2fa} von {admins}."),
                    keyRing.IsProtected
                        ? t.T("The key ring is encrypted with a certificate kept apart from the data.", "Der Schlüsselbund ist mit einem getrennt von den Daten verwahrten Zertifikat verschlüsselt.")
                        : t.T("The key ring is protected by file permissions only, not by a certificate.", "Der Schlüsselbund ist nur durch Dateirechte geschützt, nicht durch ein Zertifikat."),
                    t.T("Administrator access to user data is recorded in the audit log.", "Administrator-Zugriffe auf Nutzerdaten werden im Audit-Log festgehalten."),
                    t.T("Physical access: ", "Zutritt: ") + Stated(OrganisationalMeasure.PhysicalAccess),
                    t.T("Staff: ", "Beschäftigte: ") + Stated(OrganisationalMeasure.StaffConfidentiality),
                ],
                allAdminsWith2fa && keyRing.IsProtected ? RiskLevel.Low : RiskLevel.Medium),
            new(t.T("Re-identification from retained records", "Re-Identifizierung aus aufbewahrten Aufzeichnungen"),
                RiskLevel.Low, RiskLevel.Medium,
                [
                    t.T($"Processing records hold no content and are deleted after {records.Value.RetentionDays} days; after an erasure they carry a random reference instead of the user id.", $"Verarbeitungsnachweise enthalten keine Inhalte und werden nach {records.Value.RetentionDays} Tagen gelöscht; nach einer Löschung tragen sie eine zufällige Referenz statt der Nutzer-ID."),
                    t.T($"Usage events are kept {p.BooksRetentionYears} years pseudonymized; invoices {p.InvoiceRetentionYears} years in an archive not linked to the pseudonym.", $"Nutzungsereignisse werden {p.BooksRetentionYears} Jahre pseudonymisiert aufbewahrt; Rechnungen {p.InvoiceRetentionYears} Jahre in einem nicht mit dem Pseudonym verknüpften Archiv."),
                    t.T("IP addresses are stored only as keyed hashes (DPA acceptance); failed sign-ins are counted in memory only.", "IP-Adressen werden nur als Hashwert mit geheimem Schlüssel gespeichert (Annahme des AV-Vertrags); Fehlversuche bei der Anmeldung werden nur im Arbeitsspeicher gezählt."),
                    t.T("The audit log has no automatic deletion; its entries about erased accounts are pseudonymized.", "Das Audit-Log wird nicht automatisch gelöscht; seine Einträge zu gelöschten Konten werden pseudonymisiert."),
                ],
                RiskLevel.Low),
            new(t.T("Loss of availability or integrity, and erased data returning from backups", "Verlust von Verfügbarkeit oder Integrität und Rückkehr gelöschter Daten aus Sicherungen"),
                organisational.IsUnconfirmed(OrganisationalMeasure.RestoreTests) ? RiskLevel.Medium : RiskLevel.Low, RiskLevel.Medium,
                [
                    t.T($"Key backups are kept for at most {p.KeyBackupRetentionDays} days; afterwards no backup can decrypt erased content.", $"Schlüsselsicherungen werden höchstens {p.KeyBackupRetentionDays} Tage aufbewahrt; danach kann keine Sicherung gelöschte Inhalte entschlüsseln."),
                    ledger.IsInsideDataFolder
                        ? t.T("The erasure ledger is replayed at every start, but it lies inside the data folder, so restoring the whole folder also restores an old ledger.", "Das Löschregister wird bei jedem Start erneut angewandt, liegt aber im Datenordner, sodass eine Wiederherstellung des ganzen Ordners auch ein altes Register zurückbringt.")
                        : t.T("The erasure ledger lies outside the data folder and is replayed at every start, so a restored backup cannot bring erased accounts back.", "Das Löschregister liegt außerhalb des Datenordners und wird bei jedem Start erneut angewandt, sodass eine wiederhergestellte Sicherung gelöschte Konten nicht zurückbringt."),
                    t.T("Restore tests: ", "Wiederherstellungstests: ") + Stated(OrganisationalMeasure.RestoreTests),
                    t.T($"Incidents: breaches are reported to the controller within {p.BreachNoticeHours} hours at the latest. ", $"Vorfälle: Verletzungen werden dem Verantwortlichen spätestens binnen {p.BreachNoticeHours} Stunden gemeldet. ") + Stated(OrganisationalMeasure.IncidentResponse),
                ],
                ledger.IsInsideDataFolder || organisational.IsUnconfirmed(OrganisationalMeasure.RestoreTests) ? RiskLevel.Medium : RiskLevel.Low),
        ];
    }

    /// <summary>A line the operator fills in by hand: the DPO's advice and the sign-off are not something software can know.</summary>
    private static string Signature(ReportText t) => "______________________________ " + t.T("(date, name, signature)", "(Datum, Name, Unterschrift)");

    /// <summary>A retention setting in the third person, as documents for the operator word it.</summary>
    internal static string DocumentRetention(int? days, ReportText t) =>
        days is null ? t.T("until deleted by the user", "bis zur Löschung durch den Nutzer") : t.T($"{days} days after upload", $"{days} Tage nach dem Hochladen");

    internal static string Retention(int? days, ReportText t) => days is null ? t.T("until deleted by the user", "bis zur Löschung durch den Nutzer") : AccessReportWriter.RetentionText(days, t);

    private static string Kind(ModelKind kind, ReportText t) => kind switch
    {
        ModelKind.Chat => t.T("language model", "Sprachmodell"),
        ModelKind.Diffusion => t.T("image model", "Bildmodell"),
        ModelKind.Embedding => t.T("embedding model", "Embedding-Modell"),
        _ => t.T("background removal", "Hintergrundentfernung"),
    };
}
