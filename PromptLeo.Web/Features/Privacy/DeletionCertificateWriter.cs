using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>Löschprotokoll: what an erasure removed, what is retained, why and until when.</summary>
public sealed class DeletionCertificateWriter(OperatorFacts operatorFacts, IOptions<PrivacyOptions> privacy, IOptions<HostingOptions> hosting)
{
    public byte[] Write(ErasureJob job, IReadOnlyDictionary<string, int> counts, IReadOnlyList<RetainedCategory> retained, DateTimeOffset now, ContractEvidenceSet? evidence = null)
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
        if (evidence is { Items.Count: > 0 })
        {
            retainedRows.Add([
                t.T("Contract and consent evidence (see below)", "Vertrags- und Einwilligungsnachweise (siehe unten)"),
                t.T($"Proof of the contract and of consent, Art. 7(1), Art. 5(2), Art. 17(3)(e) GDPR; {ContractEvidenceArchive.LegalSource}", $"Nachweis des Vertrags und der Einwilligung, Art. 7 Abs. 1, Art. 5 Abs. 2, Art. 17 Abs. 3 lit. e DSGVO; {ContractEvidenceArchive.LegalSource}"),
                t.Date(evidence.RetainedUntil),
            ]);
        }
        pdf.Table([t.T("Category", "Kategorie"), t.T("Reason", "Grund"), t.T("Retained until", "Aufbewahrt bis")], retainedRows, [2, 3, 1.3]);
        pdf.Heading(t.T("Invoice archive", "Rechnungsarchiv"));
        pdf.Paragraph(string.Join(" ", InvoiceArchiveSentences(t, p)));
        pdf.Heading(t.T("Contract and consent evidence", "Vertrags- und Einwilligungsnachweise"));
        if (evidence is { Items.Count: > 0 })
        {
            pdf.Table([t.T("Kept", "Aufbewahrt"), t.T("Retained until", "Aufbewahrt bis")],
                evidence.Items.Select(e => (IReadOnlyList<string>)[EvidenceName(e, t), t.Date(e.RetainedUntil)]), [4, 1.3]);
            pdf.Paragraph(string.Join(" ", EvidenceSentences(t, p, evidence)));
        }
        else
        {
            pdf.Paragraph(t.T("None is kept: this account accepted no data processing agreement and holds no privacy notice version.",
                "Es wird keiner aufbewahrt: Dieses Konto hat keinen Auftragsverarbeitungsvertrag angenommen und keine Version der Datenschutzhinweise gespeichert."));
        }
        pdf.Small(evidence is { Items.Count: > 0 }
            ? t.T("This certificate holds no personal data besides the references and the contract evidence listed above. Keep it: the operator cannot link the reference of the erasure to you any more.",
                "Dieses Protokoll enthält außer den Referenzen und den oben genannten Vertragsnachweisen keine personenbezogenen Daten. Bewahren Sie es auf: Der Betreiber kann die Referenz der Löschung Ihnen nicht mehr zuordnen.")
            : t.T("This certificate holds no personal data besides the reference. Keep it: the operator cannot link the reference to you any more.",
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

    /// <summary>Why the contract evidence is kept, until when, and how it is kept apart from the pseudonymized records and the invoices.</summary>
    internal static IEnumerable<string> EvidenceSentences(ReportText t, PrivacyOptions p, ContractEvidenceSet evidence) =>
    [
        t.T("These records prove the contract and what you accepted or were shown (Art. 7(1) and Art. 5(2) GDPR); they are kept for the establishment, exercise or defence of legal claims (Art. 17(3)(e) GDPR).",
            "Diese Einträge weisen den Vertrag nach und was Sie angenommen haben oder Ihnen gezeigt wurde (Art. 7 Abs. 1 und Art. 5 Abs. 2 DSGVO); sie werden zur Geltendmachung, Ausübung oder Verteidigung von Rechtsansprüchen aufbewahrt (Art. 17 Abs. 3 lit. e DSGVO)."),
        t.T($"They are kept until claims from the contract are time-barred: {p.ContractEvidenceRetentionYears} years from the end of the year in which the contract ended with this erasure ({ContractEvidenceArchive.LegalSource}), that is until {t.Date(evidence.RetainedUntil)}; then the archive deletes them.",
            $"Sie werden aufbewahrt, bis Ansprüche aus dem Vertrag verjährt sind: {p.ContractEvidenceRetentionYears} Jahre ab Ende des Jahres, in dem der Vertrag mit dieser Löschung endete ({ContractEvidenceArchive.LegalSource}), also bis {t.Date(evidence.RetainedUntil)}; danach löscht das Archiv sie."),
        t.T($"They lie in an evidence archive under their own reference {evidence.Reference}, which appears only on this certificate. The archive carries neither the reference above nor your account id, any request id or invoice number, and keeps only the day of an acceptance; the audit entries of the acceptances were removed. No retained record therefore links the pseudonymized usage to the contracting party, nor to the invoices.",
            $"Sie liegen in einem Nachweisarchiv unter einer eigenen Referenz {evidence.Reference}, die nur in diesem Protokoll steht. Das Archiv trägt weder obige Referenz noch Ihre Konto-ID, eine Anfrage-ID oder Rechnungsnummer und bewahrt von einer Annahme nur den Tag auf; die Audit-Einträge der Annahmen wurden entfernt. Kein aufbewahrter Datensatz verknüpft daher die pseudonymisierte Nutzung mit der Vertragspartei oder mit den Rechnungen."),
    ];

    private static string EvidenceName(ContractEvidence e, ReportText t)
    {
        if (e.Kind == ContractEvidenceKinds.PrivacyNotice)
        {
            return t.T($"Version {e.Version} of the privacy notice, shown at registration", $"Version {e.Version} der Datenschutzhinweise, bei der Registrierung gezeigt");
        }
        var day = e.AcceptedOn is { } on ? t.Date(new DateTimeOffset(on.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)) : "—";
        var vat = string.IsNullOrEmpty(e.VatId) ? "" : t.T($", VAT ID {e.VatId}", $", USt-IdNr. {e.VatId}");
        return t.T($"Data processing agreement version {e.Version} accepted on {day} by {e.CompanyName}, {e.CompanyAddress}{vat} (IP hash {e.IpHash?[..Math.Min(16, e.IpHash.Length)]}…)",
            $"Auftragsverarbeitungsvertrag Version {e.Version}, angenommen am {day} von {e.CompanyName}, {e.CompanyAddress}{vat} (IP-Hash {e.IpHash?[..Math.Min(16, e.IpHash.Length)]}…)");
    }

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
        "knowledgeCollections" => t.T("Knowledge collections", "Wissenssammlungen"),
        "knowledgeDocuments" => t.T("Knowledge documents (database rows and files)", "Wissensdokumente (Datensätze und Dateien)"),
        "knowledgeChunks" => t.T("Knowledge passages (text, embeddings, source positions)", "Wissenspassagen (Text, Embeddings, Fundstellen)"),
        "exports" => t.T("Data exports", "Datenexporte"),
        "dpaAcceptances" => t.T("DPA acceptances", "AVV-Zustimmungen"),
        "logins" => t.T("Logins and authenticator tokens", "Anmeldungen und Authentifizierungs-Token"),
        "apiKeys" => t.T("API keys", "API-Schlüssel"),
        "sessions" => t.T("Sign-in sessions (browser, network, region)", "Anmeldesitzungen (Browser, Netzwerk, Region)"),
        "processingRecords" => t.T("Processing records (metadata, no content)", "Verarbeitungsnachweise (Metadaten, kein Inhalt)"),
        "auditEntries" => t.T("Audit entries", "Audit-Einträge"),
        "usageEvents" => t.T("Usage events", "Nutzungsereignisse"),
        "creditTransactions" => t.T("Prepaid credit transactions", "Guthabenbuchungen"),
        "invoices" => t.T("Invoices and credit notes", "Rechnungen und Stornorechnungen"),
        "organizationMemberships" => t.T("Memberships in company organizations (ended)", "Mitgliedschaften in Firmenorganisationen (beendet)"),
        "organizationsDeleted" => t.T("Company organizations of which you were the only member (deleted)", "Firmenorganisationen, deren einziges Mitglied Sie waren (gelöscht)"),
        "organizationInvitations" => t.T("Organization invitations", "Einladungen in Organisationen"),
        _ => key,
    };
}
