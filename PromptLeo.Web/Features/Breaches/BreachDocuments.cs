using Microsoft.Extensions.Options;
using MimeKit;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Email;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Breaches;

/// <summary>
/// The breach documents: the notification to the supervisory authority (Art. 33(3)), the register (Art. 33(5)) and the
/// notice to affected users (Art. 34(2)), each in German or English. Free text is printed as the admin entered it.
/// </summary>
public sealed class BreachDocuments(OperatorFacts operatorFacts, IMailTransport mail, IOptions<EmailOptions> email, TimeProvider time, ILogger<BreachDocuments> logger)
{
    public byte[] AuthorityNotice(BreachIncident incident, string language)
    {
        var t = new ReportText(language);
        var title = t.T("Notification of a personal data breach to the supervisory authority (Art. 33 GDPR)", "Meldung einer Verletzung des Schutzes personenbezogener Daten an die Aufsichtsbehörde (Art. 33 DSGVO)");
        using var pdf = new PdfReport(title, $"{BreachTexts.Reference(incident)} · {operatorFacts.Name(t)} · {t.DateTime(time.GetUtcNow())}", language: t.Language);
        pdf.KeyValues(
        [
            (t.T("To", "An"), operatorFacts.SupervisoryAuthority(t)),
            (t.T("Controller", "Verantwortlicher"), operatorFacts.Contact(t)),
            (t.T("Our reference", "Unsere Vorgangsnummer"), BreachTexts.Reference(incident)),
            (t.T("Discovered", "Bekannt geworden"), t.DateTime(incident.DiscoveredAt)),
            (t.T("Period of the breach", "Zeitraum der Verletzung"), Window(t, incident)),
            (t.T("Notification deadline (72 hours)", "Meldefrist (72 Stunden)"), t.DateTime(BreachClock.DeadlineOf(incident))),
        ]);
        pdf.Heading(t.T("What happened", "Was geschehen ist")).Paragraph(incident.Description);
        pdf.Heading(t.T("(a) Nature of the breach, data subjects and records concerned", "(a) Art der Verletzung, betroffene Personen und Datensätze"));
        pdf.KeyValues(
        [
            (t.T("Nature of the breach", "Art der Verletzung"), BreachTexts.Nature(t, incident.Nature)),
            (t.T("Categories of data subjects", "Kategorien betroffener Personen"), t.T("Users of the service (customers' employees)", "Nutzer des Dienstes (Beschäftigte der Kunden)")),
            (t.T("Approximate number of data subjects", "Ungefähre Zahl betroffener Personen"), SubjectCount(t, incident)),
            (t.T("Categories of personal data", "Kategorien personenbezogener Daten"), BreachTexts.CategoryList(t, incident)),
            (t.T("Approximate number of records", "Ungefähre Zahl betroffener Datensätze"), t.T($"{t.Number(incident.AffectedRecords)} processing requests in the period", $"{t.Number(incident.AffectedRecords)} Verarbeitungsvorgänge im Zeitraum")),
        ], keyWidth: 220);
        pdf.Heading(t.T("(b) Data protection officer or other contact point", "(b) Datenschutzbeauftragter oder sonstige Anlaufstelle"))
            .Paragraph(Contact(t));
        pdf.Heading(t.T("(c) Likely consequences of the breach", "(c) Wahrscheinliche Folgen der Verletzung")).Paragraph(incident.Consequences);
        pdf.Heading(t.T("(d) Measures taken or proposed", "(d) Ergriffene oder vorgeschlagene Maßnahmen")).Paragraph(incident.Measures);
        pdf.Heading(t.T("Risk assessment", "Risikobewertung")).Paragraph(BreachTexts.Risk(t, incident.Risk));
        if (incident.DelayReason is { } reason)
        {
            pdf.Heading(t.T("Reasons for the delay (Art. 33(1))", "Gründe für die Verzögerung (Art. 33 Abs. 1)")).Paragraph(reason);
        }
        pdf.Small(t.T("Information not yet available may be provided in phases without undue further delay (Art. 33(4)).",
            "Noch nicht verfügbare Informationen können ohne unangemessene weitere Verzögerung schrittweise nachgereicht werden (Art. 33 Abs. 4)."));
        return pdf.ToBytes();
    }

    public byte[] Register(IReadOnlyList<BreachIncident> incidents, string language)
    {
        var t = new ReportText(language);
        var now = time.GetUtcNow();
        using var pdf = new PdfReport(t.T("Register of personal data breaches (Art. 33(5) GDPR)", "Dokumentation von Datenschutzverletzungen (Art. 33 Abs. 5 DSGVO)"), $"PromptLeo · {operatorFacts.Name(t)} · {t.DateTime(now)}", language: t.Language);
        pdf.Paragraph(t.T("The controller documents every personal data breach here, with its facts, effects and the remedial action taken, whether or not it was notified (Art. 33(5) GDPR).",
            "Der Verantwortliche dokumentiert hier jede Verletzung des Schutzes personenbezogener Daten mit den Fakten, ihren Auswirkungen und den ergriffenen Abhilfemaßnahmen, unabhängig davon, ob sie gemeldet wurde (Art. 33 Abs. 5 DSGVO)."));
        pdf.KeyValues([(t.T("Controller", "Verantwortlicher"), operatorFacts.Contact(t)), (t.T("As of", "Stand"), t.DateTime(now)), (t.T("Incidents", "Vorfälle"), incidents.Count.ToString(t.Culture))]);
        if (incidents.Count == 0)
        {
            pdf.Paragraph(t.T("No personal data breach has been recorded.", "Es wurde keine Verletzung des Schutzes personenbezogener Daten erfasst."));
        }
        foreach (var incident in incidents)
        {
            pdf.Heading($"{BreachTexts.Reference(incident)} · {t.DateTime(incident.DiscoveredAt)}");
            pdf.KeyValues(
            [
                (t.T("Facts", "Sachverhalt"), incident.Description),
                (t.T("Period of the breach", "Zeitraum der Verletzung"), Window(t, incident)),
                (t.T("Nature of the breach", "Art der Verletzung"), BreachTexts.Nature(t, incident.Nature)),
                (t.T("Categories of personal data", "Kategorien personenbezogener Daten"), BreachTexts.CategoryList(t, incident)),
                (t.T("Data subjects", "Betroffene Personen"), SubjectCount(t, incident)),
                (t.T("Effects", "Auswirkungen"), incident.Consequences),
                (t.T("Remedial action", "Ergriffene Abhilfemaßnahmen"), incident.Measures),
                (t.T("Risk assessment", "Risikobewertung"), BreachTexts.Risk(t, incident.Risk)),
                (t.T("Authority notified", "Aufsichtsbehörde benachrichtigt"), incident.AuthorityNotifiedAt is { } at
                    ? $"{t.DateTime(at)} · {incident.AuthorityReference}" + (BreachClock.IsLate(incident, at) ? t.T(" (after 72 hours)", " (nach 72 Stunden)") : "")
                    : t.T("no", "nein")),
                (t.T("Reasons for the delay", "Gründe für die Verzögerung"), incident.DelayReason ?? "—"),
                (t.T("Users notified", "Nutzer benachrichtigt"), incident.UsersNotifiedAt is { } told
                    ? t.T($"{t.DateTime(told)}, {t.Number(incident.UsersNotified)} accounts", $"{t.DateTime(told)}, {t.Number(incident.UsersNotified)} Konten")
                    : t.T("no", "nein")),
                (t.T("Closed", "Abgeschlossen"), incident.ClosedAt is { } closed ? t.DateTime(closed) : t.T("open", "offen")),
            ]);
        }
        return pdf.ToBytes();
    }

    /// <summary>The Art. 34(2) notice: plain language, in the user's language, plain text only.</summary>
    public (string Subject, string Body) UserNotice(BreachIncident incident, string language)
    {
        var t = new ReportText(language);
        var subject = t.T("Important: a security incident concerning your data", "Wichtig: ein Sicherheitsvorfall, der Ihre Daten betrifft");
        var body = string.Join("\n\n",
            t.T($"We are writing to tell you about a security incident at {operatorFacts.Name(t)} that concerns your personal data.",
                $"wir informieren Sie über einen Sicherheitsvorfall bei {operatorFacts.Name(t)}, der Ihre personenbezogenen Daten betrifft."),
            t.T("What happened: ", "Was geschehen ist: ") + incident.Description,
            t.T($"When: between {t.DateTime(incident.WindowStart)} and {t.DateTime(incident.WindowEnd)}. We found out on {t.DateTime(incident.DiscoveredAt)}.",
                $"Wann: zwischen {t.DateTime(incident.WindowStart)} und {t.DateTime(incident.WindowEnd)}. Wir haben es am {t.DateTime(incident.DiscoveredAt)} bemerkt."),
            t.T("What kind of problem: ", "Art des Problems: ") + BreachTexts.Nature(t, incident.Nature),
            t.T("Which of your data: ", "Welche Ihrer Daten: ") + BreachTexts.CategoryList(t, incident),
            t.T("What this may mean for you: ", "Was das für Sie bedeuten kann: ") + incident.Consequences,
            t.T("What we have done and will do: ", "Was wir getan haben und tun werden: ") + incident.Measures,
            t.T("Questions? Contact: ", "Fragen? Wenden Sie sich an: ") + Contact(t),
            t.T($"You may also complain to the supervisory authority: {operatorFacts.SupervisoryAuthority(t)}.",
                $"Sie können sich auch bei der Aufsichtsbehörde beschweren: {operatorFacts.SupervisoryAuthority(t)}."),
            t.T($"Reference: {BreachTexts.Reference(incident)}", $"Vorgangsnummer: {BreachTexts.Reference(incident)}"));
        return (subject, t.T("Hello,", "Guten Tag,") + "\n\n" + body + "\n");
    }

    /// <summary>Mails the notice to each reachable account in its language; returns the ids that were sent to.</summary>
    public async Task<IReadOnlyList<string>> SendUserNoticesAsync(BreachIncident incident, IReadOnlyList<AffectedAccount> accounts, CancellationToken cancellationToken)
    {
        var sent = new List<string>();
        foreach (var account in accounts.Where(a => !string.IsNullOrWhiteSpace(a.Email)))
        {
            var (subject, text) = UserNotice(incident, account.Language);
            try
            {
                await mail.SendAsync(MailMessages.Compose(email.Value, account.Email!, subject, new TextPart("plain") { Text = text }), cancellationToken);
                sent.Add(account.UserId);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One rejected mailbox must not stop the notice to the others; the admin sees the count.
                logger.LogWarning(ex, "Breach notice for incident {IncidentId} could not be mailed to user {UserId}", incident.Id, account.UserId);
            }
        }
        return sent;
    }

    private string Contact(ReportText t) =>
        t.T($"Data protection officer: {operatorFacts.DataProtectionOfficer(t)}; controller: {operatorFacts.Contact(t)}",
            $"Datenschutzbeauftragter: {operatorFacts.DataProtectionOfficer(t)}; Verantwortlicher: {operatorFacts.Contact(t)}");

    private static string Window(ReportText t, BreachIncident incident) =>
        t.T($"{t.DateTime(incident.WindowStart)} to {t.DateTime(incident.WindowEnd)}", $"{t.DateTime(incident.WindowStart)} bis {t.DateTime(incident.WindowEnd)}") + Scope(t, incident);

    private static string Scope(ReportText t, BreachIncident incident)
    {
        var parts = new[] { (t.T("model", "Modell"), incident.ModelId), (t.T("node", "Knoten"), incident.Node), (t.T("channel", "Kanal"), incident.Channel) }
            .Where(p => p.Item2 is not null).Select(p => $"{p.Item1} {p.Item2}").ToList();
        return parts.Count == 0 ? "" : $" ({string.Join(", ", parts)})";
    }

    private static string SubjectCount(ReportText t, BreachIncident incident) =>
        t.T($"{t.Number(incident.AffectedAccounts)} user accounts, of which {t.Number(incident.AffectedErasedAccounts)} have since been erased (pseudonymized records)",
            $"{t.Number(incident.AffectedAccounts)} Nutzerkonten, davon {t.Number(incident.AffectedErasedAccounts)} inzwischen gelöscht (pseudonymisierte Nachweise)");
}
