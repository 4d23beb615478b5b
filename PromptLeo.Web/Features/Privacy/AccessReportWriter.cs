using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>The human-readable Art. 15(1) report inside the export ZIP.</summary>
public sealed class AccessReportWriter(OperatorFacts operatorFacts, IOptions<PrivacyOptions> privacy, IOptions<HostingOptions> hosting, IOptions<RecordsOptions> records, ISubProcessorSource subProcessors)
{
    public byte[] Write(ApplicationUser user, IReadOnlyDictionary<string, int> counts, DateTimeOffset now, IReadOnlyList<AccessReportSection>? sections = null)
    {
        var t = new ReportText(user.PreferredLanguage);
        var p = privacy.Value;
        using var pdf = new PdfReport(t.T("Information on your personal data (Art. 15 GDPR)", "Auskunft über Ihre personenbezogenen Daten (Art. 15 DSGVO)"), $"PromptLeo · {operatorFacts.Name(t)} · {t.Date(now)}", language: t.Language);
        pdf.KeyValues(
        [
            (t.T("Data subject", "Betroffene Person"), $"{user.DisplayName} <{user.Email}>"),
            (t.T("Controller", "Verantwortlicher"), operatorFacts.Contact(t)),
            (t.T("Data protection officer", "Datenschutzbeauftragter"), operatorFacts.DataProtectionOfficer(t)),
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
            counts.Select(kv => (IReadOnlyList<string>)[DeletionCertificateWriter.CategoryName(kv.Key, t), t.Number(kv.Value)]), [3, 1], [false, true]);
        pdf.Heading(t.T("3. Recipients", "3. Empfänger"));
        pdf.Paragraph(t.T(
            $"None outside the operator. The models run in-process on the operator's own hardware in region {hosting.Value.Region}; no data is transferred to third countries or to model providers.",
            $"Keine außerhalb des Betreibers. Die Modelle laufen im Prozess auf eigener Hardware des Betreibers in Region {hosting.Value.Region}; keine Übermittlung in Drittländer oder an Modellanbieter."));
        foreach (var recipients in (sections ?? []).Select(s => s.Recipients?.Invoke(t)).OfType<string>())
        {
            pdf.Paragraph(char.ToUpper(recipients[0], t.Culture) + recipients[1..] + ".");
        }
        if (subProcessors.Current(now) is { InForce.Count: > 0 } list)
        {
            pdf.Paragraph(t.T("Sub-processors:", "Unterauftragsverarbeiter:")).Bullets(list.Lines(t));
        }
        pdf.Heading(t.T("4. Retention periods", "4. Speicherdauer"));
        pdf.Bullets([
            t.T($"Chats: {RetentionText(user.ChatRetentionDays, t)}.", $"Chats: {RetentionText(user.ChatRetentionDays, t)}."),
            t.T($"Images: {RetentionText(user.ImageRetentionDays, t)}.", $"Bilder: {RetentionText(user.ImageRetentionDays, t)}."),
            t.T($"Knowledge documents with their passages and vectors: {DocumentRetentionText(user.DocumentRetentionDays, t)}.", $"Wissensdokumente mit ihren Passagen und Vektoren: {DocumentRetentionText(user.DocumentRetentionDays, t)}."),
            t.T($"Exports: {p.ExportLinkHours} hours.", $"Exporte: {p.ExportLinkHours} Stunden."),
            t.T($"Processing records: {records.Value.RetentionDays} days.", $"Verarbeitungsnachweise: {records.Value.RetentionDays} Tage."),
            t.T($"Usage events: {p.BooksRetentionYears} years (§ 147 AO), pseudonymized after account erasure. Invoices: {p.InvoiceRetentionYears} years (§ 147 AO, § 14b UStG), after account erasure in an archive not linked to the usage.",
                $"Nutzungsereignisse: {p.BooksRetentionYears} Jahre (§ 147 AO), nach Kontolöschung pseudonymisiert. Rechnungen: {p.InvoiceRetentionYears} Jahre (§ 147 AO, § 14b UStG), nach Kontolöschung in einem nicht mit der Nutzung verknüpften Archiv."),
            t.T($"DPA acceptances and the privacy notice version: after account erasure {p.ContractEvidenceRetentionYears} years from the end of that year ({ContractEvidenceArchive.LegalSource}), as contract evidence in an archive not linked to the usage or the invoices.",
                $"AVV-Annahmen und die Version der Datenschutzhinweise: nach Kontolöschung {p.ContractEvidenceRetentionYears} Jahre ab Ende dieses Jahres ({ContractEvidenceArchive.LegalSource}), als Vertragsnachweis in einem weder mit der Nutzung noch mit den Rechnungen verknüpften Archiv."),
        ]);
        pdf.Heading(t.T("5. Your rights", "5. Ihre Rechte"));
        pdf.Bullets([
            t.T("Rectification (Art. 16): edit your profile under Account.", "Berichtigung (Art. 16): Profil unter Konto bearbeiten."),
            t.T("Erasure (Art. 17): delete your account in the Privacy Center.", "Löschung (Art. 17): Konto im Datenschutz-Center löschen."),
            t.T("Restriction (Art. 18): restrict processing in the Privacy Center.", "Einschränkung (Art. 18): Verarbeitung im Datenschutz-Center einschränken."),
            t.T("Portability (Art. 20): this export (JSON and PNG files).", "Datenübertragbarkeit (Art. 20): dieser Export (JSON- und PNG-Dateien)."),
            t.T("Objection (Art. 21) and withdrawal of consent, by e-mail to the controller.", "Widerspruch (Art. 21) und Widerruf, per E-Mail an den Verantwortlichen."),
            t.T($"Complaint (Art. 77) to the supervisory authority: {operatorFacts.SupervisoryAuthority(t)}.", $"Beschwerde (Art. 77) bei der Aufsichtsbehörde: {operatorFacts.SupervisoryAuthority(t)}."),
        ]);
        pdf.Heading(t.T("6. Source of the data", "6. Herkunft der Daten"));
        pdf.Paragraph(t.T("All data was provided by you or generated by the models at your request.", "Alle Daten stammen von Ihnen oder wurden auf Ihre Anfrage von den Modellen erzeugt."));
        pdf.Heading(t.T("7. Automated decision-making", "7. Automatisierte Entscheidungsfindung"));
        pdf.Paragraph(t.T("None. No automated decisions or profiling within the meaning of Art. 22 GDPR take place.", "Keine. Es findet keine automatisierte Entscheidung oder Profilbildung im Sinne von Art. 22 DSGVO statt."));
        var number = 8;
        foreach (var section in sections ?? [])
        {
            pdf.Heading(t.T($"{number}. {section.Title}", $"{number}. {section.GermanTitle}"));
            section.Write(pdf, t);
            number++;
        }
        return pdf.ToBytes();
    }

    /// <summary>Documents count from their upload; chat retention (even zero) does not touch them.</summary>
    internal static string DocumentRetentionText(int? days, ReportText t) =>
        days is > 0 ? t.T($"{days} days after upload", $"{days} Tage nach dem Hochladen") : t.T("until you delete them", "bis Sie sie löschen");

    internal static string RetentionText(int? days, ReportText t) => days switch
    {
        null or < 0 => t.T("until you delete them", "bis Sie sie löschen"),
        0 => t.T("never stored", "nie gespeichert"),
        _ => t.T($"{days} days", $"{days} Tage"),
    };
}
