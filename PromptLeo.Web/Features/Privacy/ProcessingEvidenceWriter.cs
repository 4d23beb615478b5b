using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>Verarbeitungsnachweis: a user's processing records for a period.</summary>
public sealed class ProcessingEvidenceWriter(IDbContextFactory<AppDbContext> dbFactory, OperatorFacts operatorFacts)
{
    public async Task<byte[]> WriteAsync(string userId, string language, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var t = new ReportText(language);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ProcessingRecords.AsNoTracking()
            .Where(r => r.SubjectId == userId && r.At >= from && r.At < to)
            .OrderBy(r => r.At).Take(5000).ToListAsync(cancellationToken);
        using var pdf = new PdfReport(t.T("Proof of processing", "Verarbeitungsnachweis"), $"PromptLeo · {operatorFacts.Name(t)} · {t.Date(from)}–{t.Date(to.AddSeconds(-1))}", language: t.Language);
        pdf.KeyValues(
        [
            (t.T("Subject (pseudonymous id)", "Betroffener (pseudonyme ID)"), userId),
            (t.T("Period", "Zeitraum"), $"{t.Date(from)} – {t.Date(to.AddSeconds(-1))}"),
            (t.T("Requests", "Anfragen"), t.Number(rows.Count)),
            (t.T("Legal basis", "Rechtsgrundlage"), ProcessingPurpose.LegalBasisText(t)),
        ]);
        pdf.Paragraph(t.T("Each row is one inference request. The records hold no prompts or outputs.", "Jede Zeile ist eine Inferenz-Anfrage. Die Nachweise enthalten keine Prompts oder Ausgaben."));
        pdf.Table(
            [t.T("Time", "Zeit"), t.T("Request id", "Anfrage-ID"), t.T("Purpose", "Zweck"), t.T("Model", "Modell"), t.T("Channel", "Kanal"), t.T("Region / node", "Region / Knoten"), t.T("Kept until", "Aufbewahrt bis")],
            rows.Select(r => (IReadOnlyList<string>)[t.DateTime(r.At), r.RequestId, ProcessingPurpose.Name(r.Purpose, t), r.ModelId, ChannelName(r.Channel, t), $"{r.Region} / {r.Node}", t.Date(r.RetentionUntil)]),
            [1.4, 2.9, 1.9, 1.3, 0.8, 1.3, 1], dense: true);
        return pdf.ToBytes();
    }

    /// <summary>The channel as the user knows it; the stored value is a code.</summary>
    internal static string ChannelName(string channel, ReportText t) => channel switch
    {
        "portal" => t.T("Portal", "Portal"),
        "api" => t.T("API", "API"),
        _ => channel,
    };
}
