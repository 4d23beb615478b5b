using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

public sealed record LegalSection(string Id, string Heading, IReadOnlyList<string> Paragraphs)
{
    public IReadOnlyList<string> Bullets { get; init; } = [];
    public IReadOnlyList<string> TableHeader { get; init; } = [];
    public IReadOnlyList<IReadOnlyList<string>> Rows { get; init; } = [];
}

public sealed record LegalDocument(string Title, IReadOnlyList<LegalSection> Sections);

/// <summary>
/// The Impressum (§ 5 DDG) and the privacy policy (Art. 13/14 GDPR), built from the operator settings, the processing
/// activities and the cookie catalog. Long-form and versioned with the code, like the PDFs.
/// </summary>
public sealed class LegalDocuments(OperatorFacts operatorFacts, ProcessingActivities activities, IOptions<PrivacyOptions> privacy, IOptions<HostingOptions> hosting, ISubProcessorSource subProcessors, IEnumerable<IProcessingRecipient> conditionalRecipients, TimeProvider time)
{
    private (string Key, string Version)? version;

    public LegalDocument Imprint(ReportText t)
    {
        string? Show(OperatorField field) => operatorFacts.Show(field, t);
        var name = string.Join(", ", new[] { Show(OperatorField.Name), Show(OperatorField.LegalForm) }.OfType<string>().Distinct());
        List<LegalSection> sections =
        [
            new("provider", t.T("Information according to § 5 DDG", "Angaben gemäß § 5 DDG"), [name, Show(OperatorField.Address)!]),
            new("representatives", t.T("Represented by", "Vertreten durch"), [Show(OperatorField.Representatives)!]),
            new("contact", t.T("Contact", "Kontakt"), [t.T("Phone: ", "Telefon: ") + Show(OperatorField.Phone), t.T("E-mail: ", "E-Mail: ") + Show(OperatorField.Email)]),
        ];
        var register = new[] { Show(OperatorField.RegisterCourt), Show(OperatorField.RegisterNumber) };
        if (register.Any(r => r is not null))
        {
            sections.Add(new("register", t.T("Register entry", "Registereintrag"),
                [t.T("Register court: ", "Registergericht: ") + register[0], t.T("Register number: ", "Registernummer: ") + register[1]]));
        }
        if (Show(OperatorField.VatId) is { } vatId)
        {
            sections.Add(new("vat", t.T("VAT identification number", "Umsatzsteuer-Identifikationsnummer"), [t.T("According to § 27a UStG: ", "Gemäß § 27a UStG: ") + vatId]));
        }
        return new(t.T("Legal notice", "Impressum"), sections);
    }

    public LegalDocument PrivacyPolicy(ReportText t)
    {
        var p = privacy.Value;
        var region = hosting.Value.Region;
        var cookies = CookieCatalog.Describe(t);
        var subs = subProcessors.Current(time.GetUtcNow());
        return new(t.T("Privacy policy", "Datenschutzerklärung"),
        [
            new("controller", t.T("1. Controller", "1. Verantwortlicher"),
                [operatorFacts.Contact(t), t.T("Phone: ", "Telefon: ") + operatorFacts.Show(OperatorField.Phone, t), t.T("Represented by: ", "Vertreten durch: ") + operatorFacts.Show(OperatorField.Representatives, t)]),
            new("dpo", t.T("2. Data protection officer", "2. Datenschutzbeauftragter"), [operatorFacts.DataProtectionOfficer(t)]),
            new("processing", t.T("3. Purposes, legal bases and retention", "3. Zwecke, Rechtsgrundlagen und Speicherdauer"),
                [t.T("We process personal data for these purposes, on these legal bases (GDPR), and delete it as stated:", "Wir verarbeiten personenbezogene Daten zu diesen Zwecken, auf diesen Rechtsgrundlagen (DSGVO) und löschen sie wie angegeben:")])
            {
                TableHeader = [t.T("Activity", "Tätigkeit"), t.T("Purpose and legal basis", "Zweck und Rechtsgrundlage"), t.T("Data subjects", "Betroffene"), t.T("Data categories", "Datenkategorien"), t.T("Deletion", "Löschfrist")],
                Rows = [.. activities.Describe(t).Select(a => (IReadOnlyList<string>)[a.Name, a.Purpose, a.Subjects, a.Data, a.Deletion])],
            },
            new("recipients", t.T("4. Recipients", "4. Empfänger"),
            [
                t.T($"Hosting (servers and data centre): {operatorFacts.Show(OperatorField.HostingProvider, t)}.", $"Hosting (Server und Rechenzentrum): {operatorFacts.Show(OperatorField.HostingProvider, t)}."),
                t.T("Account e-mails: the mail server configured for this installation delivers them.", "Konto-E-Mails: Der für diese Installation eingerichtete Mailserver stellt sie zu."),
                t.T("The language and image models run on the operator's own hardware; no data goes to model providers.", "Die Sprach- und Bildmodelle laufen auf eigener Hardware des Betreibers; keine Daten gehen an Modellanbieter."),
                .. conditionalRecipients.Select(r => r.Describe(t)).OfType<string>().Select(r => char.ToUpperInvariant(r[0]) + r[1..] + "."),
                subs.InForce.Count == 0 ? t.T("Sub-processors: none.", "Unterauftragsverarbeiter: keine.") : t.T("Sub-processors:", "Unterauftragsverarbeiter:"),
            ])
            {
                Bullets = subs.Lines(t),
                // Art. 28(2) notice, repeated here so a customer without the DPA open sees what is about to change.
                TableHeader = subs.Announced.Count == 0 ? [] : [t.T("Announced change of sub-processors", "Angekündigte Änderung der Unterauftragsverarbeiter"), t.T("Effective from", "Wirksam ab")],
                Rows = [.. subs.Announced.Select(c => (IReadOnlyList<string>)[c.Describe(t), t.Date(c.EffectiveAt)])],
            },
            new("transfers", t.T("5. Transfers to third countries", "5. Übermittlung in Drittländer"),
                [t.T($"None. All processing takes place in region {region}.", $"Keine. Die gesamte Verarbeitung erfolgt in Region {region}.")]),
            new("retention", t.T("6. Storage period", "6. Speicherdauer"),
                [t.T($"The table in section 3 gives the period for each activity. You choose how long chats and images are kept in the Privacy Center. Exports can be downloaded for {p.ExportLinkHours} hours and are then deleted.",
                    $"Die Tabelle in Abschnitt 3 nennt die Frist je Tätigkeit. Wie lange Chats und Bilder gespeichert werden, wählen Sie im Datenschutz-Center. Exporte können {p.ExportLinkHours} Stunden heruntergeladen werden und werden dann gelöscht.")]),
            new("rights", t.T("7. Your rights", "7. Ihre Rechte"), [t.T("You have the right to:", "Sie haben das Recht auf:")])
            {
                Bullets =
                [
                    t.T("access (Art. 15) and data portability (Art. 20): \"Export my data\" in the Privacy Center;", "Auskunft (Art. 15) und Datenübertragbarkeit (Art. 20): „Meine Daten exportieren“ im Datenschutz-Center;"),
                    t.T("rectification (Art. 16): your profile under Account;", "Berichtigung (Art. 16): Ihr Profil unter Konto;"),
                    t.T("erasure (Art. 17): \"Delete my account\" in the Privacy Center;", "Löschung (Art. 17): „Konto löschen“ im Datenschutz-Center;"),
                    t.T("restriction of processing (Art. 18): a switch in the Privacy Center;", "Einschränkung der Verarbeitung (Art. 18): ein Schalter im Datenschutz-Center;"),
                    t.T("object (Art. 21) to processing based on Art. 6(1)(f), by e-mail to the controller;", "Widerspruch (Art. 21) gegen Verarbeitungen nach Art. 6 Abs. 1 lit. f, per E-Mail an den Verantwortlichen;"),
                    t.T("not be subject to a decision based solely on automated processing (Art. 22): PromptLeo makes no such decisions and does no profiling;", "keine ausschließlich automatisierte Entscheidung (Art. 22): PromptLeo trifft keine solchen Entscheidungen und bildet keine Profile;"),
                    t.T($"lodge a complaint with a supervisory authority (Art. 77), for example the one competent for the operator: {operatorFacts.SupervisoryAuthority(t)}.", $"Beschwerde bei einer Aufsichtsbehörde (Art. 77), etwa der für den Betreiber zuständigen: {operatorFacts.SupervisoryAuthority(t)}."),
                ],
            },
            new("obligation", t.T("8. Required data and source", "8. Erforderliche Daten und Herkunft"),
                [t.T("An e-mail address and a password are required to create an account (Art. 6(1)(b)); without them we cannot provide the service. Everything else is optional.", "Für ein Konto sind eine E-Mail-Adresse und ein Passwort erforderlich (Art. 6 Abs. 1 lit. b); ohne sie können wir den Dienst nicht erbringen. Alles Weitere ist freiwillig."),
                 t.T("All data comes from you or is generated by the models at your request; data about other persons is what users enter into prompts and images (Art. 14).", "Alle Daten stammen von Ihnen oder werden auf Ihre Anfrage von den Modellen erzeugt; Daten über andere Personen sind das, was Nutzer in Prompts und Bilder eingeben (Art. 14).")]),
            new("cookies", t.T("9. Cookies", "9. Cookies"),
                [t.T("PromptLeo sets only the cookies below. Each is strictly necessary for the service or stores a choice you made (§ 25(2) TDDDG); there are no tracking, analytics or third-party cookies.", "PromptLeo setzt nur die folgenden Cookies. Jedes ist für den Dienst unbedingt erforderlich oder speichert eine von Ihnen getroffene Wahl (§ 25 Abs. 2 TDDDG); es gibt keine Tracking-, Analyse- oder Drittanbieter-Cookies.")])
            {
                TableHeader = [t.T("Name", "Name"), t.T("Purpose", "Zweck"), t.T("Lifetime", "Speicherdauer")],
                Rows = [.. cookies.Select(c => (IReadOnlyList<string>)[c.Name, c.Purpose, c.Lifetime])],
            },
        ]);
    }

    /// <summary>A hash of the privacy policy in both languages: it changes whenever anything the policy says changes.</summary>
    public string PrivacyNoticeVersion
    {
        get
        {
            // The policy names the sub-processors in force and the announced changes, so its version follows them.
            var key = subProcessors.Current(time.GetUtcNow()).Key;
            if (version is not { } cached || cached.Key != key)
            {
                version = cached = (key, Hash(PrivacyPolicy(new ReportText("en")), PrivacyPolicy(new ReportText("de"))));
            }
            return cached.Version;
        }
    }

    private static string Hash(params LegalDocument[] documents)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(documents);
        return Convert.ToHexStringLower(SHA256.HashData(json))[..16];
    }
}
