using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// The Art. 30(2) register: every business customer for whom the operator processes as a processor (the latest DPA
/// acceptance per account), the processing carried out on its behalf as its processing records show it, transfers and
/// the TOMs. Generated from the database and the settings, like the Art. 30(1) register.
/// </summary>
public sealed class ProcessorRegisterWriter(IDbContextFactory<AppDbContext> dbFactory, TechnicalMeasures measures, OperatorFacts operatorFacts, IOptions<PrivacyOptions> privacy, IOptions<HostingOptions> hosting, IOptions<RecordsOptions> records, ISubProcessorSource subProcessors)
{
    private sealed record Controller(DpaAcceptance Acceptance, string? Email, int? ChatRetentionDays, int? ImageRetentionDays, int? DocumentRetentionDays);

    public async Task<byte[]> WriteAsync(string language, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var t = new ReportText(language);
        var p = privacy.Value;
        var inForce = await subProcessors.CurrentAsync(now, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // The latest acceptance per organization (the controller; a row from before organizations per account): an older version is superseded.
        var acceptances = await db.DpaAcceptances.AsNoTracking().ToListAsync(cancellationToken);
        var latest = acceptances.GroupBy(a => a.OrganizationId == Guid.Empty ? a.UserId ?? "" : a.OrganizationId.ToString()).Select(g => g.OrderByDescending(a => a.AcceptedAt).ThenByDescending(a => a.Id).First()).ToList();
        // A company whose accepting owner has since been erased keeps its contract; its longest-standing owner is the contact.
        var orphaned = latest.Where(a => a.UserId is null).Select(a => a.OrganizationId).ToList();
        var firstOwners = (await db.OrganizationMembers.AsNoTracking().Where(m => orphaned.Contains(m.OrganizationId) && m.Role == OrganizationRole.Owner).ToListAsync(cancellationToken))
            .GroupBy(m => m.OrganizationId).ToDictionary(g => g.Key, g => g.OrderBy(m => m.JoinedAt).First().UserId);
        string ContactId(DpaAcceptance a) => a.UserId ?? firstOwners.GetValueOrDefault(a.OrganizationId) ?? "";
        var userIds = latest.Select(ContactId).ToList();
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id))
            .Select(u => new { u.Id, u.Email, u.ChatRetentionDays, u.ImageRetentionDays, u.DocumentRetentionDays }).ToDictionaryAsync(u => u.Id, cancellationToken);
        var controllers = latest.Select(a => users.TryGetValue(ContactId(a), out var u) ? new Controller(a, u.Email, u.ChatRetentionDays, u.ImageRetentionDays, u.DocumentRetentionDays) : new Controller(a, null, null, null, null))
            .OrderBy(c => c.Acceptance.CompanyName, StringComparer.OrdinalIgnoreCase).ToList();
        var recorded = await db.ProcessingRecords.AsNoTracking().Where(r => userIds.Contains(r.SubjectId))
            .GroupBy(r => new { r.SubjectId, r.Purpose, r.Channel }).Select(g => new { g.Key.SubjectId, g.Key.Purpose, g.Key.Channel, Count = g.Count() })
            .ToListAsync(cancellationToken);

        using var pdf = new PdfReport(t.T("Record of processing activities as processor (Art. 30(2) GDPR)", "Verzeichnis der Verarbeitungstätigkeiten als Auftragsverarbeiter (Art. 30 Abs. 2 DSGVO)"), $"PromptLeo · {operatorFacts.Name(t)} · {t.Date(now)}", language: t.Language);
        pdf.KeyValues(
        [
            (t.T("Processor", "Auftragsverarbeiter"), operatorFacts.Contact(t)),
            (t.T("Representatives", "Vertreter"), operatorFacts.Show(OperatorField.Representatives, t)!),
            (t.T("Data protection officer", "Datenschutzbeauftragter"), operatorFacts.DataProtectionOfficer(t)),
            (t.T("Current agreement version", "Aktuelle Vertragsversion"), p.DpaVersion),
            (t.T("Version", "Stand"), t.DateTime(now)),
        ]);
        pdf.Heading(t.T("Processing carried out on behalf of every controller (Art. 30(2)(b))", "Verarbeitungen im Auftrag jedes Verantwortlichen (Art. 30 Abs. 2 lit. b)"));
        pdf.Bullets(
        [
            t.T("Inference on the controller's prompts and images with language and image models on the operator's hardware, in the portal and through the API.", "Inferenz auf Prompts und Bildern des Verantwortlichen mit Sprach- und Bildmodellen auf Hardware des Betreibers, im Portal und über die API."),
            t.T("Storage of chats, presets and images, encrypted per user, under the retention each account sets.", "Speicherung von Chats, Vorlagen und Bildern, je Nutzer verschlüsselt, mit der Aufbewahrung, die jedes Konto einstellt."),
            t.T($"Exports (kept {p.ExportLinkHours} hours), erasure with deletion certificate, processing records without content ({records.Value.RetentionDays} days).", $"Exporte ({p.ExportLinkHours} Stunden aufbewahrt), Löschung mit Löschprotokoll, Verarbeitungsnachweise ohne Inhalt ({records.Value.RetentionDays} Tage)."),
        ]);
        pdf.Heading(t.T("Controllers (customers)", "Verantwortliche (Kunden)"));
        if (controllers.Count == 0)
        {
            pdf.Paragraph(t.T("No customer has accepted the data processing agreement; the operator processes as a processor for no one.", "Kein Kunde hat den Auftragsverarbeitungsvertrag angenommen; der Betreiber ist für niemanden Auftragsverarbeiter."));
        }
        foreach (var (c, number) in controllers.Select((c, i) => (c, i + 1)))
        {
            var a = c.Acceptance;
            var done = recorded.Where(r => r.SubjectId == ContactId(a)).OrderBy(r => r.Purpose, StringComparer.Ordinal).ThenBy(r => r.Channel, StringComparer.Ordinal).ToList();
            pdf.Heading($"{number}. {a.CompanyName}");
            pdf.KeyValues(
            [
                (t.T("Controller", "Verantwortlicher"), string.Join(", ", new[] { a.CompanyName, a.CompanyAddress, a.VatId }.Where(s => !string.IsNullOrWhiteSpace(s)))),
                (t.T("Contact", "Kontakt"), c.Email ?? t.T("account no longer exists", "Konto besteht nicht mehr")),
                (t.T("Agreement", "Vertrag"), t.T($"Version {a.Version}, accepted {t.DateTime(a.AcceptedAt)}", $"Version {a.Version}, angenommen am {t.DateTime(a.AcceptedAt)}")
                    + (a.Version == p.DpaVersion ? "" : t.T($" — not the current version {p.DpaVersion}; re-acceptance pending", $" — nicht die aktuelle Version {p.DpaVersion}; erneute Annahme ausstehend"))),
                (t.T("Retention set by the controller", "Vom Verantwortlichen eingestellte Aufbewahrung"), t.T($"Chats: {ImpactAssessmentWriter.Retention(c.ChatRetentionDays, t)}; images: {ImpactAssessmentWriter.Retention(c.ImageRetentionDays, t)}; knowledge documents: {ImpactAssessmentWriter.DocumentRetention(c.DocumentRetentionDays, t)}", $"Chats: {ImpactAssessmentWriter.Retention(c.ChatRetentionDays, t)}; Bilder: {ImpactAssessmentWriter.Retention(c.ImageRetentionDays, t)}; Wissensdokumente: {ImpactAssessmentWriter.DocumentRetention(c.DocumentRetentionDays, t)}")),
                (t.T($"Processing recorded (last {records.Value.RetentionDays} days)", $"Erfasste Verarbeitungen (letzte {records.Value.RetentionDays} Tage)"), done.Count == 0
                    ? t.T("none", "keine")
                    : string.Join("; ", done.Select(r => $"{ProcessingActivities.PurposeLabel(r.Purpose, t)} ({Channel(r.Channel, t)}): {r.Count}"))),
                (t.T("Third-country transfer", "Drittlandübermittlung"), ProcessingActivities.TransferText(inForce, hosting.Value.Region, t)),
                (t.T("TOMs", "TOM"), t.T("Annex below (= Annex 1 of the agreement)", "Anlage unten (= Anlage 1 des Vertrags)")),
            ]);
        }
        pdf.Heading(t.T("Sub-processors", "Unterauftragsverarbeiter"));
        if (inForce.InForce.Count == 0)
        {
            pdf.Paragraph(t.T("None.", "Keine."));
        }
        else
        {
            pdf.Bullets(inForce.Lines(t));
        }
        pdf.Heading(t.T("Transfers to third countries (Art. 30(2)(c))", "Übermittlungen in Drittländer (Art. 30 Abs. 2 lit. c)"));
        pdf.Paragraph(t.T($"None. Processing takes place in region {hosting.Value.Region}; transfers only on the controller's documented instruction (agreement § 3).", $"Keine. Die Verarbeitung erfolgt in Region {hosting.Value.Region}; Übermittlungen nur auf dokumentierte Weisung des Verantwortlichen (Vertrag § 3)."));
        ProcessingRegisterWriter.WriteAnnex(pdf, await measures.DescribeAsync(t, cancellationToken), t, t.T("Art. 30(2)(d)", "Art. 30 Abs. 2 lit. d"));
        return pdf.ToBytes();
    }

    private static string Channel(string channel, ReportText t) => channel == "api" ? t.T("API", "API") : t.T("portal", "Portal");
}
