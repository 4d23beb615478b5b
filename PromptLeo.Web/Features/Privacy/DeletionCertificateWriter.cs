using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>Löschprotokoll: what an erasure removed, what is retained, why and until when.</summary>
public sealed class DeletionCertificateWriter(OperatorFacts operatorFacts, IOptions<PrivacyOptions> privacy, IOptions<HostingOptions> hosting)
{
    public byte[] Write(ErasureJob job, IReadOnlyDictionary<string, int> counts, IReadOnlyList<RetainedCategory> retained, DateTimeOffset now)
    {
        var t = new ReportText(job.Language);
        var p = privacy.Value;
        using var pdf = new PdfReport(t.T("Deletion certificate (Art. 17 GDPR)", "Löschprotokoll (Art. 17 DSGVO)"), $"PromptLeo · {operatorFacts.Name(t)} · {job.Pseudonym}", language: t.Language);
        pdf.KeyValues(
        [
            (t.T("Controller", "Verantwortlicher"), operatorFacts.Contact(t, withEmail: false)),
            (t.T("Reference", "Referenz"), job.Pseudonym),
            (t.T("Requested", "Beantragt"), t.DateTime(job.RequestedAt)),
            (t.T("Completed", "Abgeschlossen"), t.DateTime(now)),
            (t.T("Region", "Region"), hosting.Value.Region),
        ]);
        pdf.Heading(t.T("Erased", "Gelöscht"));
        pdf.Table([t.T("Category", "Kategorie"), t.T("Count", "Anzahl")],
            counts.Select(kv => (IReadOnlyList<string>)[CategoryName(kv.Key, t), t.Number(kv.Value)]), [3, 1], [false, true]);
        pdf.Paragraph(t.T(
            "Your per-user data key was destroyed. Encrypted copies of your chats, presets and images can no longer be decrypted with the keys in use (crypto-shredding). All sessions were signed out and API keys revoked. Your e-mail address is free for a new registration.",
            "Ihr persönlicher Datenschlüssel wurde vernichtet. Verschlüsselte Kopien Ihrer Chats, Vorlagen und Bilder sind mit den verwendeten Schlüsseln nicht mehr entschlüsselbar (Crypto-Shredding). Alle Sitzungen wurden abgemeldet und API-Schlüssel widerrufen. Ihre E-Mail-Adresse ist für eine neue Registrierung frei."));
        pdf.Heading(t.T("Backups", "Sicherungen"));
        pdf.Paragraph(string.Join(" ", BackupSentences(t)));
        pdf.Heading(t.T("Retained", "Aufbewahrt"));
        var retainedRows = retained.Select(r => (IReadOnlyList<string>)[t.T(r.Name, r.GermanName ?? r.Name), t.T(r.Reason, r.GermanReason ?? r.Reason), t.Date(r.RetainedUntil)]).ToList();
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
        pdf.Heading(t.T("Invoice archive", "Rechnungsarchiv"));
        pdf.Paragraph(string.Join(" ", InvoiceArchiveSentences(t, p)));
        pdf.Small(t.T(
            "This certificate holds no personal data besides the reference. Keep it: the operator cannot link the reference to you any more.",
            "Dieses Protokoll enthält außer der Referenz keine personenbezogenen Daten. Bewahren Sie es auf: Der Betreiber kann die Referenz Ihnen nicht mehr zuordnen."));
        return pdf.ToBytes();
    }

    /// <summary>What is kept of the invoices, why, until when and how it is kept apart from the pseudonymized records.</summary>
    internal static IEnumerable<string> InvoiceArchiveSentences(ReportText t, PrivacyOptions p) =>
    [
        t.T($"Invoices keep your name and address as issued, because tax law requires them unchanged: {p.InvoiceRetentionYears} years from the end of the year of issue (§ 147 Abs. 1 Nr. 4, Abs. 3 AO, § 14b Abs. 1 UStG, as amended with effect from 2025). Usage and credit records are books and records: {p.BooksRetentionYears} years (§ 147 Abs. 1 Nr. 1, Abs. 3 AO, § 257 Abs. 4 HGB).",
            $"Rechnungen behalten Ihren Namen und Ihre Anschrift wie ausgestellt, weil das Steuerrecht sie unverändert verlangt: {p.InvoiceRetentionYears} Jahre ab Ende des Ausstellungsjahres (§ 147 Abs. 1 Nr. 4, Abs. 3 AO, § 14b Abs. 1 UStG in der ab 2025 geltenden Fassung). Nutzungs- und Guthabenbuchungen sind Bücher und Aufzeichnungen: {p.BooksRetentionYears} Jahre (§ 147 Abs. 1 Nr. 1, Abs. 3 AO, § 257 Abs. 4 HGB)."),
        t.T("The invoices are kept in an archive that carries neither the reference above nor your account id nor any request id; the operator finds an invoice only by its number and date, and no retained record holds the number. The retained records therefore hold no key that links the pseudonymized usage to your name.",
            "Die Rechnungen liegen in einem Archiv, das weder obige Referenz noch Ihre Konto-ID noch eine Anfrage-ID trägt; der Betreiber findet eine Rechnung nur über Nummer und Datum, und kein aufbewahrter Datensatz enthält die Nummer. Die aufbewahrten Datensätze enthalten daher keinen Schlüssel, der die pseudonymisierte Nutzung Ihrem Namen zuordnet."),
        t.T("The final invoice was sent to your e-mail address before it was deleted and is offered for download with this certificate. After the retention period the archive deletes the invoices.",
            "Die Schlussrechnung wurde vor der Löschung an Ihre E-Mail-Adresse gesendet und wird mit diesem Protokoll zum Download angeboten. Nach Ablauf der Frist löscht das Archiv die Rechnungen."),
    ];

    /// <summary>What holds for backups, and under which condition; each sentence has its own test.</summary>
    internal static IEnumerable<string> BackupSentences(ReportText t) =>
    [
        t.T("This erasure is recorded in the erasure ledger as the time and a salted hash of your account id, without your name or e-mail address.",
            "Diese Löschung ist im Löschregister als Zeitpunkt und gesalzener Hash Ihrer Konto-ID vermerkt, ohne Ihren Namen oder Ihre E-Mail-Adresse."),
        t.T("If the operator restores a backup taken before this erasure, PromptLeo erases your account from it again before the portal serves anyone.",
            "Spielt der Betreiber eine Sicherung von vor dieser Löschung zurück, löscht PromptLeo Ihr Konto daraus erneut, bevor das Portal jemanden bedient."),
        t.T("This holds as long as the ledger is kept apart from the restored data; a ledger older than the data stops the portal from starting.",
            "Das gilt, solange das Register getrennt von den zurückgespielten Daten aufbewahrt wird; ein Register, das älter ist als die Daten, verhindert den Start des Portals."),
        t.T("Copies of the key store made before this erasure can still decrypt older backups of your content until they expire; PromptLeo's backup rule keeps them encrypted, apart from the content and only briefly.",
            "Kopien des Schlüsselspeichers von vor dieser Löschung können ältere Sicherungen Ihrer Inhalte entschlüsseln, bis sie ablaufen; die Sicherungsregel von PromptLeo bewahrt sie verschlüsselt, getrennt von den Inhalten und nur kurz auf."),
    ];

    /// <summary>The category's name in the document's language; every count key the features report has one.</summary>
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
        "processingRecords" => t.T("Processing records (metadata, no content)", "Verarbeitungsnachweise (Metadaten, kein Inhalt)"),
        "auditEntries" => t.T("Audit entries", "Audit-Einträge"),
        "usageEvents" => t.T("Usage events", "Nutzungsereignisse"),
        "creditTransactions" => t.T("Prepaid credit transactions", "Guthabenbuchungen"),
        "invoices" => t.T("Invoices and credit notes", "Rechnungen und Gutschriften"),
        _ => key,
    };
}
