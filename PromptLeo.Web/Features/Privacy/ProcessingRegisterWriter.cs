using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>The Art. 30(1) register (Verzeichnis von Verarbeitungstätigkeiten), generated from configuration.</summary>
public sealed class ProcessingRegisterWriter(TechnicalMeasures measures, OperatorFacts operatorFacts, ProcessingActivities processingActivities, IOptions<PrivacyOptions> privacy, IOptions<HostingOptions> hosting, ISubProcessorSource subProcessors)
{
    public async Task<byte[]> WriteAsync(string language, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var t = new ReportText(language);
        var p = privacy.Value;
        using var pdf = new PdfReport(t.T("Record of processing activities (Art. 30(1) GDPR)", "Verzeichnis von Verarbeitungstätigkeiten (Art. 30 Abs. 1 DSGVO)"), $"PromptLeo · {operatorFacts.Name(t)} · {t.Date(now)}", language: t.Language);
        pdf.KeyValues(
        [
            (t.T("Controller", "Verantwortlicher"), t.T(
                $"{operatorFacts.Contact(t)}. Controller for accounts and billing; processor (Art. 28) for content processed on behalf of business customers (see the Art. 30(2) register).",
                $"{operatorFacts.Contact(t)}. Verantwortlicher für Konten und Abrechnung; Auftragsverarbeiter (Art. 28) für Inhalte, die im Auftrag von Geschäftskunden verarbeitet werden (siehe Verzeichnis nach Art. 30 Abs. 2).")),
            (t.T("Representatives", "Vertreter"), operatorFacts.Show(OperatorField.Representatives, t)!),
            (t.T("Data protection officer", "Datenschutzbeauftragter"), operatorFacts.DataProtectionOfficer(t)),
            (t.T("Version", "Stand"), t.DateTime(now)),
        ]);
        var measureList = await measures.DescribeAsync(t, cancellationToken);
        pdf.Heading(t.T("Processing activities", "Verarbeitungstätigkeiten"));
        foreach (var (a, number) in processingActivities.Describe(t).Select((a, i) => (a, i + 1)))
        {
            pdf.Heading($"{number}. {a.Name}");
            pdf.KeyValues(
            [
                (t.T("Purpose and legal basis", "Zweck und Rechtsgrundlage"), a.Purpose),
                (t.T("Data subjects", "Betroffene"), a.Subjects),
                (t.T("Data categories", "Datenkategorien"), a.Data),
                (t.T("Recipients", "Empfänger"), a.Recipients),
                (t.T("Third-country transfer", "Drittlandübermittlung"), a.Transfer),
                (t.T("Deletion period", "Löschfrist"), a.Deletion),
                (t.T("TOMs", "TOM"), AnnexReference(a.Measures, measureList, t)),
            ]);
        }
        pdf.Heading(t.T("Recipients", "Empfänger"));
        var list = await subProcessors.CurrentAsync(now, cancellationToken);
        pdf.Paragraph(list.InForce.Count == 0
            ? t.T("None outside the operator and its hosting provider; no sub-processors.", "Keine außerhalb des Betreibers und seines Hosting-Dienstleisters; keine Unterauftragsverarbeiter.")
            : t.T("Sub-processors:", "Unterauftragsverarbeiter:"));
        if (list.InForce.Count > 0)
        {
            pdf.Bullets(list.Lines(t));
        }
        pdf.Heading(t.T("Transfers to third countries", "Übermittlungen in Drittländer"));
        pdf.Paragraph(t.T($"None. Processing takes place in region {hosting.Value.Region}.", $"Keine. Die Verarbeitung erfolgt in Region {hosting.Value.Region}."));
        WriteAnnex(pdf, measureList, t, t.T("Art. 30(1)(g)", "Art. 30 Abs. 1 lit. g"));
        return pdf.ToBytes();
    }

    /// <summary>"Annex, nos. 2, 8 (Access control; …)": the numbered TOMs headings an activity relies on.</summary>
    internal static string AnnexReference(IReadOnlyList<string> areas, IReadOnlyList<(string Area, string Measure)> measures, ReportText t)
    {
        var headings = measures.Select(m => m.Area).ToList();
        var cited = areas.Select(area => (Number: headings.IndexOf(area) + 1, Area: area)).Where(c => c.Number > 0).OrderBy(c => c.Number).ToList();
        return t.T("Annex, nos. ", "Anlage, Nr. ") + string.Join(", ", cited.Select(c => c.Number)) + " (" + string.Join("; ", cited.Select(c => c.Area)) + ")";
    }

    /// <summary>The Art. 32 measures as a numbered annex, so each register entry can cite the headings that protect it.</summary>
    internal static void WriteAnnex(PdfReport pdf, IReadOnlyList<(string Area, string Measure)> measureList, ReportText t, string article)
    {
        pdf.Heading(t.T($"Annex: technical and organisational measures ({article}, Art. 32)", $"Anlage: Technische und organisatorische Maßnahmen ({article}, Art. 32)"));
        pdf.KeyValues(measureList.Select((m, i) => ($"{i + 1}. {m.Area}", m.Measure)));
    }
}
