using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>The Art. 30 register (Verzeichnis von Verarbeitungstätigkeiten), generated from configuration.</summary>
public sealed class ProcessingRegisterWriter(TechnicalMeasures measures, OperatorFacts operatorFacts, ProcessingActivities processingActivities, IOptions<PrivacyOptions> privacy, IOptions<HostingOptions> hosting, ISubProcessorSource subProcessors)
{
    public async Task<byte[]> WriteAsync(string language, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var t = new ReportText(language);
        var p = privacy.Value;
        using var pdf = new PdfReport(t.T("Record of processing activities (Art. 30 GDPR)", "Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO)"), $"PromptLeo · {operatorFacts.Name(t)} · {t.Date(now)}");
        pdf.KeyValues(
        [
            (t.T("Controller / processor", "Verantwortlicher / Auftragsverarbeiter"), t.T(
                $"{operatorFacts.Contact(t)}. Controller for accounts and billing; processor (Art. 28) for content processed on behalf of business customers.",
                $"{operatorFacts.Contact(t)}. Verantwortlicher für Konten und Abrechnung; Auftragsverarbeiter (Art. 28) für Inhalte, die im Auftrag von Geschäftskunden verarbeitet werden.")),
            (t.T("Data protection officer", "Datenschutzbeauftragter"), operatorFacts.DataProtectionOfficer(t)),
            (t.T("Version", "Stand"), t.DateTime(now)),
        ]);
        var activities = processingActivities.Describe(t);
        pdf.Heading(t.T("Processing activities", "Verarbeitungstätigkeiten"));
        pdf.Table([t.T("Activity", "Tätigkeit"), t.T("Purpose and legal basis", "Zweck und Rechtsgrundlage"), t.T("Data subjects", "Betroffene"), t.T("Data categories", "Datenkategorien"), t.T("Deletion", "Löschfrist")],
            activities.Select(a => (IReadOnlyList<string>)[a.Name, a.Purpose, a.Subjects, a.Data, a.Deletion]), [1.1, 1.8, 1.1, 1.8, 1.3]);
        pdf.Heading(t.T("Recipients", "Empfänger"));
        var list = await subProcessors.CurrentAsync(now, cancellationToken);
        pdf.Paragraph(list.InForce.Count == 0
            ? t.T("None outside the operator; no sub-processors.", "Keine außerhalb des Betreibers; keine Unterauftragsverarbeiter.")
            : t.T("Sub-processors:", "Unterauftragsverarbeiter:"));
        if (list.InForce.Count > 0)
        {
            pdf.Bullets(list.Lines(t));
        }
        pdf.Heading(t.T("Transfers to third countries", "Übermittlungen in Drittländer"));
        pdf.Paragraph(t.T($"None. Processing takes place in region {hosting.Value.Region}.", $"Keine. Die Verarbeitung erfolgt in Region {hosting.Value.Region}."));
        pdf.Heading(t.T("Technical and organisational measures (Art. 32)", "Technische und organisatorische Maßnahmen (Art. 32)"));
        pdf.KeyValues(await measures.DescribeAsync(t, cancellationToken));
        return pdf.ToBytes();
    }
}
