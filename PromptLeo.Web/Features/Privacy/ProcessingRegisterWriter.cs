using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

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
