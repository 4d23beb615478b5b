using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

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
