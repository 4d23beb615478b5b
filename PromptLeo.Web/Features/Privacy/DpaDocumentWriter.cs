using System.Globalization;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>The data processing agreement (Auftragsverarbeitungsvertrag, Art. 28) with the TOMs annex.</summary>
public sealed class DpaDocumentWriter(TechnicalMeasures measures, OperatorFacts operatorFacts, IOptions<PrivacyOptions> privacy, IOptions<HostingOptions> hosting, ISubProcessorSource subProcessors)
{
    public async Task<byte[]> WriteAsync(string language, DpaAcceptance? acceptance, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var t = new ReportText(language);
        var p = privacy.Value;
        using var pdf = new PdfReport(t.T("Data processing agreement (Art. 28 GDPR)", "Auftragsverarbeitungsvertrag (Art. 28 DSGVO)"), $"PromptLeo · {t.T("DPA", "AVV")} {p.DpaVersion}", language: t.Language);
        pdf.KeyValues(
        [
            (t.T("Version", "Version"), p.DpaVersion),
            (t.T("Processor", "Auftragsverarbeiter"), operatorFacts.Contact(t, withEmail: false)),
            (t.T("Controller (customer)", "Verantwortlicher (Kunde)"), acceptance is null ? t.T("— not yet accepted —", "— noch nicht angenommen —") : $"{acceptance.CompanyName}, {acceptance.CompanyAddress}" + (string.IsNullOrEmpty(acceptance.VatId) ? "" : $", {acceptance.VatId}")),
            (t.T("Accepted", "Angenommen"), acceptance is null ? "—" : $"{t.DateTime(acceptance.AcceptedAt)} ({AcceptedBy(acceptance, t)})"),
        ]);
        foreach (var (title, body) in Clauses(t.German ? "de" : "en"))
        {
            pdf.Heading(title).Paragraph(Fill(body, p));
        }
        pdf.Heading(t.T("Hosting locations", "Standorte der Verarbeitung"));
        pdf.Bullets((t.German && p.HostingLocationsGerman.Count > 0 ? p.HostingLocationsGerman : p.HostingLocations).Append(t.T($"Region: {hosting.Value.Region}", $"Region: {hosting.Value.Region}")));
        pdf.Heading(t.T("Annex 1: Technical and organisational measures", "Anlage 1: Technische und organisatorische Maßnahmen"));
        // One numbered section per Art. 32 heading, so each heading reads as one line a customer can cite.
        foreach (var ((area, measure), number) in (await measures.DescribeAsync(t, cancellationToken)).Select((m, i) => (m, i + 1)))
        {
            pdf.Heading($"{number}. {area}").Paragraph(measure);
        }
        pdf.Heading(t.T("Annex 2: Sub-processors", "Anlage 2: Unterauftragsverarbeiter"));
        var list = await subProcessors.CurrentAsync(now, cancellationToken);
        if (list.InForce.Count == 0)
        {
            pdf.Paragraph(t.T("None.", "Keine."));
        }
        else
        {
            pdf.Bullets(list.Lines(t));
        }
        if (list.Announced.Count > 0)
        {
            // Art. 28(2): the intended changes, each with the date it takes effect unless the controller objects.
            pdf.Paragraph(t.T("Announced changes:", "Angekündigte Änderungen:")).Bullets(list.AnnouncedLines(t));
        }
        return pdf.ToBytes();
    }

    /// <summary>The clauses' periods as numbers from the settings, so the contract states what the installation is set to.</summary>
    internal static string Fill(string body, PrivacyOptions p) => body
        .Replace("{BreachHours}", p.BreachNoticeHours.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{SubProcessorDays}", p.SubProcessorNoticeDays.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{ReturnDays}", p.ReturnDeadlineDays.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{KeyBackupDays}", p.KeyBackupRetentionDays.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>The agreement's numbered clauses: the legal prose lives in DpaClauses-{language}.md, one "## " heading each.</summary>
    internal static IReadOnlyList<(string Title, string Body)> Clauses(string language)
    {
        using var stream = typeof(DpaDocumentWriter).Assembly.GetManifestResourceStream($"PromptLeo.Web.Features.Privacy.DpaClauses-{language}.md")
            ?? throw new InvalidOperationException($"The DPA clauses for '{language}' are not embedded.");
        using var reader = new StreamReader(stream);
        var clauses = new List<(string Title, string Body)>();
        foreach (var line in reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                clauses.Add((line[3..], ""));
            }
            else if (clauses.Count > 0)
            {
                // Lines before the first heading are a note for editors, not part of the agreement.
                clauses[^1] = (clauses[^1].Title, (clauses[^1].Body + " " + line).Trim());
            }
        }
        return clauses;
    }

    /// <summary>The IP hash proves the accepting person's address; an erased owner's is cleared, the company's contract stands.</summary>
    private static string AcceptedBy(DpaAcceptance acceptance, ReportText t) => acceptance.IpHash.Length >= 16
        ? $"{t.T("IP hash", "IP-Hash")} {acceptance.IpHash[..16]}…"
        : t.T("by an owner who has since left", "durch einen inzwischen ausgeschiedenen Inhaber");
}
