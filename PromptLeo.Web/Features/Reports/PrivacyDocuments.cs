using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Web.Features.Reports;

/// <summary>Löschprotokoll: what an erasure removed, what is retained, why and until when.</summary>
public sealed class DeletionCertificateWriter(IOptions<PrivacyOptions> privacy, IOptions<HostingOptions> hosting)
{
    public byte[] Write(ErasureJob job, IReadOnlyDictionary<string, int> counts, IReadOnlyList<RetainedCategory> retained, DateTimeOffset now)
    {
        var t = new ReportText(job.Language);
        var p = privacy.Value;
        using var pdf = new PdfReport(t.T("Deletion certificate (Art. 17 GDPR)", "Löschprotokoll (Art. 17 DSGVO)"), $"PromptLeo · {p.OperatorName} · {job.Pseudonym}");
        pdf.KeyValues(
        [
            (t.T("Controller", "Verantwortlicher"), $"{p.OperatorName}, {p.OperatorAddress}"),
            (t.T("Reference", "Referenz"), job.Pseudonym),
            (t.T("Requested", "Beantragt"), t.DateTime(job.RequestedAt)),
            (t.T("Completed", "Abgeschlossen"), t.DateTime(now)),
            (t.T("Region", "Region"), hosting.Value.Region),
        ]);
        pdf.Heading(t.T("Erased", "Gelöscht"));
        pdf.Table([t.T("Category", "Kategorie"), t.T("Count", "Anzahl")],
            counts.Select(kv => (IReadOnlyList<string>)[CategoryName(kv.Key, t), kv.Value.ToString(t.Culture)]), [3, 1], [false, true]);
        pdf.Paragraph(t.T(
            "Your per-user data key was destroyed. Encrypted copies of your chats, presets and images, including copies in backups, can no longer be decrypted (crypto-shredding). All sessions were signed out and API keys revoked. Your e-mail address is free for a new registration.",
            "Ihr persönlicher Datenschlüssel wurde vernichtet. Verschlüsselte Kopien Ihrer Chats, Vorlagen und Bilder, auch in Sicherungen, sind nicht mehr entschlüsselbar (Crypto-Shredding). Alle Sitzungen wurden abgemeldet und API-Schlüssel widerrufen. Ihre E-Mail-Adresse ist für eine neue Registrierung frei."));
        pdf.Heading(t.T("Retained", "Aufbewahrt"));
        var retainedRows = retained.Select(r => (IReadOnlyList<string>)[r.Name, r.Reason, t.Date(r.RetainedUntil)]).ToList();
        retainedRows.Add([
            t.T("Processing records (metadata, no content)", "Verarbeitungsnachweise (Metadaten, kein Inhalt)"),
            t.T("Accountability, Art. 5(2) GDPR; pseudonymized with the reference above", "Rechenschaftspflicht, Art. 5 Abs. 2 DSGVO; pseudonymisiert mit obiger Referenz"),
            t.T("per record, at most 3 years", "je Eintrag, höchstens 3 Jahre"),
        ]);
        retainedRows.Add([
            t.T("Audit entries (counts and ids, no content)", "Audit-Einträge (Anzahlen und IDs, kein Inhalt)"),
            t.T("Proof of this erasure, Art. 5(2) GDPR; pseudonymized", "Nachweis dieser Löschung, Art. 5 Abs. 2 DSGVO; pseudonymisiert"),
            t.T("with the processing records", "wie Verarbeitungsnachweise"),
        ]);
        pdf.Table([t.T("Category", "Kategorie"), t.T("Reason", "Grund"), t.T("Retained until", "Aufbewahrt bis")], retainedRows, [2, 3, 1.3]);
        pdf.Small(t.T(
            "This certificate holds no personal data besides the reference. Keep it: the operator cannot link the reference to you any more.",
            "Dieses Protokoll enthält außer der Referenz keine personenbezogenen Daten. Bewahren Sie es auf: Der Betreiber kann die Referenz Ihnen nicht mehr zuordnen."));
        return pdf.ToBytes();
    }

    internal static string CategoryName(string key, ReportText t) => key switch
    {
        "profile" => t.T("Profile and account", "Profil und Konto"),
        "conversations" => t.T("Conversations", "Unterhaltungen"),
        "messages" => t.T("Messages", "Nachrichten"),
        "images" => t.T("Images (database rows and files)", "Bilder (Datensätze und Dateien)"),
        "presets" => t.T("Presets", "Vorlagen"),
        "exports" => t.T("Data exports", "Datenexporte"),
        "dpaAcceptances" => t.T("DPA acceptances", "AVV-Zustimmungen"),
        "logins" => t.T("Logins and authenticator tokens", "Anmeldungen und Authentifizierungs-Token"),
        "apiKeys" => t.T("API keys", "API-Schlüssel"),
        "sessions" => t.T("Sign-in sessions (browser, network, region)", "Anmeldesitzungen (Browser, Netzwerk, Region)"),
        _ => key,
    };
}

/// <summary>The human-readable Art. 15(1) report inside the export ZIP.</summary>
public sealed class AccessReportWriter(IOptions<PrivacyOptions> privacy, IOptions<HostingOptions> hosting, IOptions<RecordsOptions> records)
{
    public byte[] Write(ApplicationUser user, IReadOnlyDictionary<string, int> counts, DateTimeOffset now)
    {
        var t = new ReportText(user.PreferredLanguage);
        var p = privacy.Value;
        using var pdf = new PdfReport(t.T("Information on your personal data (Art. 15 GDPR)", "Auskunft über Ihre personenbezogenen Daten (Art. 15 DSGVO)"), $"PromptLeo · {p.OperatorName} · {t.Date(now)}");
        pdf.KeyValues(
        [
            (t.T("Data subject", "Betroffene Person"), $"{user.DisplayName} <{user.Email}>"),
            (t.T("Controller", "Verantwortlicher"), $"{p.OperatorName}, {p.OperatorAddress}, {p.OperatorEmail}"),
            (t.T("Data protection officer", "Datenschutzbeauftragter"), string.IsNullOrWhiteSpace(p.DataProtectionOfficer) ? t.T("not appointed", "nicht benannt") : p.DataProtectionOfficer),
            (t.T("Created", "Erstellt"), t.DateTime(now)),
        ]);
        pdf.Heading(t.T("1. Purposes of processing", "1. Zwecke der Verarbeitung"));
        pdf.Bullets([
            t.T("Providing the account and portal (Art. 6(1)(b) GDPR).", "Bereitstellung von Konto und Portal (Art. 6 Abs. 1 lit. b DSGVO)."),
            t.T("Running your chat and image requests on our own hardware (Art. 6(1)(b)).", "Ausführung Ihrer Chat- und Bildanfragen auf eigener Hardware (Art. 6 Abs. 1 lit. b)."),
            t.T("Billing, metering and invoices (Art. 6(1)(b) and (c) with § 147 AO, § 257 HGB).", "Abrechnung, Nutzungsmessung und Rechnungen (Art. 6 Abs. 1 lit. b und c mit § 147 AO, § 257 HGB)."),
            t.T("Security and proof of processing: audit log and processing records (Art. 6(1)(c) and (f), Art. 5(2)).", "Sicherheit und Nachweis der Verarbeitung: Audit-Log und Verarbeitungsnachweise (Art. 6 Abs. 1 lit. c und f, Art. 5 Abs. 2)."),
        ]);
        pdf.Heading(t.T("2. Categories of personal data", "2. Kategorien personenbezogener Daten"));
        pdf.Table([t.T("Category", "Kategorie"), t.T("Records in this export", "Einträge in diesem Export")],
            counts.Select(kv => (IReadOnlyList<string>)[kv.Key, kv.Value.ToString(t.Culture)]), [3, 1], [false, true]);
        pdf.Heading(t.T("3. Recipients", "3. Empfänger"));
        pdf.Paragraph(t.T(
            $"None outside the operator. The models run in-process on the operator's own hardware in region {hosting.Value.Region}; no data is transferred to third countries or to model providers.",
            $"Keine außerhalb des Betreibers. Die Modelle laufen im Prozess auf eigener Hardware des Betreibers in Region {hosting.Value.Region}; keine Übermittlung in Drittländer oder an Modellanbieter."));
        if (p.SubProcessors.Count > 0)
        {
            pdf.Paragraph(t.T("Sub-processors:", "Unterauftragsverarbeiter:")).Bullets(p.SubProcessors);
        }
        pdf.Heading(t.T("4. Retention periods", "4. Speicherdauer"));
        pdf.Bullets([
            t.T($"Chats: {RetentionText(user.ChatRetentionDays, t)}.", $"Chats: {RetentionText(user.ChatRetentionDays, t)}."),
            t.T($"Images: {RetentionText(user.ImageRetentionDays, t)}.", $"Bilder: {RetentionText(user.ImageRetentionDays, t)}."),
            t.T($"Exports: {p.ExportLinkHours} hours.", $"Exporte: {p.ExportLinkHours} Stunden."),
            t.T($"Processing records: {records.Value.RetentionDays} days.", $"Verarbeitungsnachweise: {records.Value.RetentionDays} Tage."),
            t.T($"Usage events and invoices: {p.StatutoryRetentionYears} years (statutory), pseudonymized after account erasure.", $"Nutzungsereignisse und Rechnungen: {p.StatutoryRetentionYears} Jahre (gesetzlich), nach Kontolöschung pseudonymisiert."),
        ]);
        pdf.Heading(t.T("5. Your rights", "5. Ihre Rechte"));
        pdf.Bullets([
            t.T("Rectification (Art. 16): edit your profile under Account.", "Berichtigung (Art. 16): Profil unter Konto bearbeiten."),
            t.T("Erasure (Art. 17): delete your account in the Privacy Center.", "Löschung (Art. 17): Konto im Datenschutz-Center löschen."),
            t.T("Restriction (Art. 18): restrict processing in the Privacy Center.", "Einschränkung (Art. 18): Verarbeitung im Datenschutz-Center einschränken."),
            t.T("Portability (Art. 20): this export (JSON and PNG files).", "Datenübertragbarkeit (Art. 20): dieser Export (JSON- und PNG-Dateien)."),
            t.T("Objection (Art. 21) and withdrawal of consent, by e-mail to the controller.", "Widerspruch (Art. 21) und Widerruf, per E-Mail an den Verantwortlichen."),
            t.T($"Complaint (Art. 77) to the supervisory authority: {p.SupervisoryAuthority}.", $"Beschwerde (Art. 77) bei der Aufsichtsbehörde: {p.SupervisoryAuthority}."),
        ]);
        pdf.Heading(t.T("6. Source of the data", "6. Herkunft der Daten"));
        pdf.Paragraph(t.T("All data was provided by you or generated by the models at your request.", "Alle Daten stammen von Ihnen oder wurden auf Ihre Anfrage von den Modellen erzeugt."));
        pdf.Heading(t.T("7. Automated decision-making", "7. Automatisierte Entscheidungsfindung"));
        pdf.Paragraph(t.T("None. No automated decisions or profiling within the meaning of Art. 22 GDPR take place.", "Keine. Es findet keine automatisierte Entscheidung oder Profilbildung im Sinne von Art. 22 DSGVO statt."));
        return pdf.ToBytes();
    }

    internal static string RetentionText(int? days, ReportText t) => days switch
    {
        null or < 0 => t.T("until you delete them", "bis Sie sie löschen"),
        0 => t.T("never stored", "nie gespeichert"),
        _ => t.T($"{days} days", $"{days} Tage"),
    };
}

/// <summary>Verarbeitungsnachweis: a user's processing records for a period.</summary>
public sealed class ProcessingEvidenceWriter(IDbContextFactory<AppDbContext> dbFactory, IOptions<PrivacyOptions> privacy)
{
    public async Task<byte[]> WriteAsync(string userId, string language, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var t = new ReportText(language);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ProcessingRecords.AsNoTracking()
            .Where(r => r.SubjectId == userId && r.At >= from && r.At < to)
            .OrderBy(r => r.At).Take(5000).ToListAsync(cancellationToken);
        using var pdf = new PdfReport(t.T("Proof of processing", "Verarbeitungsnachweis"), $"PromptLeo · {privacy.Value.OperatorName} · {t.Date(from)}–{t.Date(to.AddSeconds(-1))}");
        pdf.KeyValues(
        [
            (t.T("Subject (pseudonymous id)", "Betroffener (pseudonyme ID)"), userId),
            (t.T("Period", "Zeitraum"), $"{t.Date(from)} – {t.Date(to.AddSeconds(-1))}"),
            (t.T("Requests", "Anfragen"), rows.Count.ToString(t.Culture)),
            (t.T("Legal basis", "Rechtsgrundlage"), ProcessingPurpose.LegalBasis),
        ]);
        pdf.Paragraph(t.T("Each row is one inference request. The records hold no prompts or outputs.", "Jede Zeile ist eine Inferenz-Anfrage. Die Nachweise enthalten keine Prompts oder Ausgaben."));
        pdf.Table(
            [t.T("Time", "Zeit"), t.T("Request id", "Anfrage-ID"), t.T("Purpose", "Zweck"), t.T("Model", "Modell"), t.T("Channel", "Kanal"), t.T("Region / node", "Region / Knoten"), t.T("Kept until", "Aufbewahrt bis")],
            rows.Select(r => (IReadOnlyList<string>)[t.DateTime(r.At), r.RequestId, r.Purpose, r.ModelId, r.Channel, $"{r.Region} / {r.Node}", t.Date(r.RetentionUntil)]),
            [1.4, 2.9, 1.9, 1.3, 0.8, 1.3, 1], dense: true);
        return pdf.ToBytes();
    }
}

/// <summary>The Art. 30 register (Verzeichnis von Verarbeitungstätigkeiten), generated from configuration.</summary>
public sealed class ProcessingRegisterWriter(TechnicalMeasures measures, IOptions<PrivacyOptions> privacy, IOptions<HostingOptions> hosting, IOptions<RecordsOptions> records)
{
    public async Task<byte[]> WriteAsync(string language, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var t = new ReportText(language);
        var p = privacy.Value;
        using var pdf = new PdfReport(t.T("Record of processing activities (Art. 30 GDPR)", "Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO)"), $"PromptLeo · {p.OperatorName} · {t.Date(now)}");
        pdf.KeyValues(
        [
            (t.T("Controller / processor", "Verantwortlicher / Auftragsverarbeiter"), t.T(
                $"{p.OperatorName}, {p.OperatorAddress}, {p.OperatorEmail}. Controller for accounts and billing; processor (Art. 28) for content processed on behalf of business customers.",
                $"{p.OperatorName}, {p.OperatorAddress}, {p.OperatorEmail}. Verantwortlicher für Konten und Abrechnung; Auftragsverarbeiter (Art. 28) für Inhalte, die im Auftrag von Geschäftskunden verarbeitet werden.")),
            (t.T("Data protection officer", "Datenschutzbeauftragter"), string.IsNullOrWhiteSpace(p.DataProtectionOfficer) ? t.T("not appointed", "nicht benannt") : p.DataProtectionOfficer),
            (t.T("Version", "Stand"), t.DateTime(now)),
        ]);
        var activities = new (string Name, string Purpose, string Subjects, string Data, string Deletion)[]
        {
            (t.T("Accounts", "Konten"), t.T("Registration, sign-in, 2FA, profile (Art. 6(1)(b))", "Registrierung, Anmeldung, 2FA, Profil (Art. 6 Abs. 1 lit. b)"),
                t.T("Customers' employees", "Beschäftigte der Kunden"), t.T("Name, e-mail, company, billing address, VAT ID, password hash, 2FA secret", "Name, E-Mail, Firma, Rechnungsadresse, USt-IdNr., Passwort-Hash, 2FA-Geheimnis"),
                t.T("On erasure of the account", "Bei Löschung des Kontos")),
            (t.T("Chat and image inference", "Chat- und Bild-Inferenz"), t.T("Answering prompts, generating images (Art. 6(1)(b); Art. 28 for business customers)", "Beantwortung von Prompts, Bilderzeugung (Art. 6 Abs. 1 lit. b; Art. 28 für Geschäftskunden)"),
                t.T("Users and persons named in content", "Nutzer und in Inhalten genannte Personen"), t.T("Prompts, answers, uploaded and generated images (encrypted)", "Prompts, Antworten, hochgeladene und erzeugte Bilder (verschlüsselt)"),
                AccessReportWriter.RetentionText(p.DefaultChatRetentionDays, t) + t.T(" (chats, default); images ", " (Chats, Standard); Bilder ") + AccessReportWriter.RetentionText(p.DefaultImageRetentionDays, t)),
            (t.T("Processing records", "Verarbeitungsnachweise"), t.T("Accountability (Art. 5(2))", "Rechenschaftspflicht (Art. 5 Abs. 2)"),
                t.T("Users", "Nutzer"), t.T("Request id, time, model, purpose, region, node — no content", "Anfrage-ID, Zeit, Modell, Zweck, Region, Knoten — kein Inhalt"),
                t.T($"{records.Value.RetentionDays} days", $"{records.Value.RetentionDays} Tage")),
            (t.T("Billing", "Abrechnung"), t.T("Metering, invoices (Art. 6(1)(b), (c); § 147 AO, § 257 HGB)", "Nutzungsmessung, Rechnungen (Art. 6 Abs. 1 lit. b, c; § 147 AO, § 257 HGB)"),
                t.T("Customers", "Kunden"), t.T("Usage events, amounts, invoice data", "Nutzungsereignisse, Beträge, Rechnungsdaten"),
                t.T($"{p.StatutoryRetentionYears} years, pseudonymized after erasure", $"{p.StatutoryRetentionYears} Jahre, nach Löschung pseudonymisiert")),
            (t.T("Audit log", "Audit-Log"), t.T("Security, proof of data-subject requests (Art. 6(1)(c), (f))", "Sicherheit, Nachweis von Betroffenenanfragen (Art. 6 Abs. 1 lit. c, f)"),
                t.T("Users, administrators", "Nutzer, Administratoren"), t.T("Actor id, subject id, action, counts", "Akteur-ID, Betroffenen-ID, Aktion, Anzahlen"),
                t.T("with the processing records", "wie Verarbeitungsnachweise")),
        };
        pdf.Heading(t.T("Processing activities", "Verarbeitungstätigkeiten"));
        pdf.Table([t.T("Activity", "Tätigkeit"), t.T("Purpose and legal basis", "Zweck und Rechtsgrundlage"), t.T("Data subjects", "Betroffene"), t.T("Data categories", "Datenkategorien"), t.T("Deletion", "Löschfrist")],
            activities.Select(a => (IReadOnlyList<string>)[a.Name, a.Purpose, a.Subjects, a.Data, a.Deletion]), [1.1, 1.8, 1.1, 1.8, 1.3]);
        pdf.Heading(t.T("Recipients", "Empfänger"));
        pdf.Paragraph(p.SubProcessors.Count == 0
            ? t.T("None outside the operator; no sub-processors.", "Keine außerhalb des Betreibers; keine Unterauftragsverarbeiter.")
            : t.T("Sub-processors:", "Unterauftragsverarbeiter:"));
        if (p.SubProcessors.Count > 0)
        {
            pdf.Bullets(p.SubProcessors);
        }
        pdf.Heading(t.T("Transfers to third countries", "Übermittlungen in Drittländer"));
        pdf.Paragraph(t.T($"None. Processing takes place in region {hosting.Value.Region}.", $"Keine. Die Verarbeitung erfolgt in Region {hosting.Value.Region}."));
        pdf.Heading(t.T("Technical and organisational measures (Art. 32)", "Technische und organisatorische Maßnahmen (Art. 32)"));
        pdf.KeyValues(await measures.DescribeAsync(t, cancellationToken));
        return pdf.ToBytes();
    }
}

/// <summary>The data processing agreement (Auftragsverarbeitungsvertrag, Art. 28) with the TOMs annex.</summary>
public sealed class DpaDocumentWriter(TechnicalMeasures measures, IOptions<PrivacyOptions> privacy, IOptions<HostingOptions> hosting)
{
    public async Task<byte[]> WriteAsync(string language, DpaAcceptance? acceptance, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var t = new ReportText(language);
        var p = privacy.Value;
        using var pdf = new PdfReport(t.T("Data processing agreement (Art. 28 GDPR)", "Auftragsverarbeitungsvertrag (Art. 28 DSGVO)"), $"PromptLeo · AVV {p.DpaVersion}");
        pdf.KeyValues(
        [
            (t.T("Version", "Version"), p.DpaVersion),
            (t.T("Processor", "Auftragsverarbeiter"), $"{p.OperatorName}, {p.OperatorAddress}"),
            (t.T("Controller (customer)", "Verantwortlicher (Kunde)"), acceptance is null ? t.T("— not yet accepted —", "— noch nicht angenommen —") : $"{acceptance.CompanyName}, {acceptance.CompanyAddress}" + (string.IsNullOrEmpty(acceptance.VatId) ? "" : $", {acceptance.VatId}")),
            (t.T("Accepted", "Angenommen"), acceptance is null ? "—" : $"{t.DateTime(acceptance.AcceptedAt)} (IP hash {acceptance.IpHash[..16]}…)"),
        ]);
        var sections = new (string Title, string Body)[]
        {
            (t.T("§ 1 Subject and duration", "§ 1 Gegenstand und Dauer"), t.T(
                "The processor runs language and image models for the controller on its own hardware and stores the controller's content for the controller's users. The agreement runs as long as the controller uses the service.",
                "Der Auftragsverarbeiter betreibt für den Verantwortlichen Sprach- und Bildmodelle auf eigener Hardware und speichert die Inhalte der Nutzer des Verantwortlichen. Der Vertrag gilt, solange der Verantwortliche den Dienst nutzt.")),
            (t.T("§ 2 Nature, purpose, data and data subjects", "§ 2 Art, Zweck, Daten und Betroffene"), t.T(
                "Processing: inference on prompts and images, storage of conversations and images. Data: prompts, answers, images, account data. Data subjects: the controller's employees and persons named in content.",
                "Verarbeitung: Inferenz auf Prompts und Bildern, Speicherung von Unterhaltungen und Bildern. Daten: Prompts, Antworten, Bilder, Kontodaten. Betroffene: Beschäftigte des Verantwortlichen und in Inhalten genannte Personen.")),
            (t.T("§ 3 Instructions", "§ 3 Weisungen"), t.T(
                "The processor processes data only on documented instructions of the controller (Art. 28(3)(a)); the self-service settings (retention, export, erasure, restriction) are such instructions.",
                "Der Auftragsverarbeiter verarbeitet Daten nur auf dokumentierte Weisung (Art. 28 Abs. 3 lit. a); die Selbstbedienungs-Einstellungen (Aufbewahrung, Export, Löschung, Einschränkung) sind solche Weisungen.")),
            (t.T("§ 4 Confidentiality and security", "§ 4 Vertraulichkeit und Sicherheit"), t.T(
                "Persons processing data are bound to confidentiality. The measures in Annex 1 apply (Art. 32).",
                "Mit der Verarbeitung befasste Personen sind zur Vertraulichkeit verpflichtet. Es gelten die Maßnahmen in Anlage 1 (Art. 32).")),
            (t.T("§ 5 Sub-processors", "§ 5 Unterauftragsverarbeiter"), t.T(
                "Sub-processors are engaged only with prior notice and the right to object; the current list is Annex 2.",
                "Unterauftragsverarbeiter werden nur nach vorheriger Information mit Widerspruchsrecht eingesetzt; die aktuelle Liste ist Anlage 2.")),
            (t.T("§ 6 Data-subject rights and assistance", "§ 6 Betroffenenrechte und Unterstützung"), t.T(
                "Export, rectification, erasure and restriction are self-service; the processor assists with Art. 32–36 obligations and reports personal-data breaches without undue delay.",
                "Export, Berichtigung, Löschung und Einschränkung sind Selbstbedienung; der Auftragsverarbeiter unterstützt bei Art. 32–36 und meldet Datenschutzverletzungen unverzüglich.")),
            (t.T("§ 7 Deletion and return", "§ 7 Löschung und Rückgabe"), t.T(
                "At the end of the service all content is deleted by crypto-shredding after the controller's export, unless law requires storage.",
                "Nach Ende des Dienstes werden alle Inhalte nach dem Export des Verantwortlichen per Crypto-Shredding gelöscht, soweit keine gesetzliche Aufbewahrungspflicht besteht.")),
            (t.T("§ 8 Audits", "§ 8 Kontrollen"), t.T(
                "The processor provides the Art. 30 register, processing records and audit log, and permits audits (Art. 28(3)(h)).",
                "Der Auftragsverarbeiter stellt das Verzeichnis nach Art. 30, Verarbeitungsnachweise und das Audit-Log bereit und ermöglicht Kontrollen (Art. 28 Abs. 3 lit. h).")),
        };
        foreach (var (title, body) in sections)
        {
            pdf.Heading(title).Paragraph(body);
        }
        pdf.Heading(t.T("Hosting locations", "Standorte der Verarbeitung"));
        pdf.Bullets(p.HostingLocations.Append(t.T($"Region: {hosting.Value.Region}", $"Region: {hosting.Value.Region}")));
        pdf.Heading(t.T("Annex 1: Technical and organisational measures", "Anlage 1: Technische und organisatorische Maßnahmen"));
        pdf.KeyValues(await measures.DescribeAsync(t, cancellationToken));
        pdf.Heading(t.T("Annex 2: Sub-processors", "Anlage 2: Unterauftragsverarbeiter"));
        if (p.SubProcessors.Count == 0)
        {
            pdf.Paragraph(t.T("None.", "Keine."));
        }
        else
        {
            pdf.Bullets(p.SubProcessors);
        }
        return pdf.ToBytes();
    }
}
