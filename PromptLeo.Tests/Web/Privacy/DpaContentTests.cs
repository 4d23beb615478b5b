using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Privacy;

/// <summary>The AV-Vertrag as printed: every Art. 28 item, the Art. 32 annex, one language, no setting names.</summary>
public sealed partial class DpaContentTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    // One sentence per Art. 28(3)(a)–(h), 28(4), Art. 9 and the breach hours, as the shipped settings print them.
    public static TheoryData<string, string, string> Markers => new()
    {
        { "en", "28(3)(a)", "processes personal data only on documented instructions from the controller" },
        { "en", "28(3)(a) warning", "If the processor considers that an instruction infringes data protection law, it informs the controller without delay" },
        { "en", "28(3)(a) third countries", "A transfer to a third country or an international organisation takes place only on the controller's instructions" },
        { "en", "28(3)(b)", "engages only persons who have committed themselves to confidentiality" },
        { "en", "28(3)(c)", "The measures are described in Annex 1, which forms part of this agreement." },
        { "en", "28(3)(d) notice", "gives notice in text form of any intended addition or replacement at least 30 days in advance" },
        { "en", "28(3)(d) objection", "the controller may object for a valid data protection reason" },
        { "en", "28(3)(d) passed down", "imposes on every sub-processor by contract the same data protection obligations" },
        { "en", "28(4)", "the processor remains fully liable to the controller for the performance of that sub-processor's obligations" },
        { "en", "28(3)(e)", "in responding to requests from data subjects under Chapter III GDPR" },
        { "en", "28(3)(f)", "in complying with the obligations under Art. 32 to 36 GDPR" },
        { "en", "breach hours", "without undue delay and at the latest within 24 hours of becoming aware of it" },
        { "en", "breach content", "The notification contains, as far as known, the nature of the breach" },
        { "en", "28(3)(g) choice", "the controller chooses whether its data are deleted or returned" },
        { "en", "28(3)(g) deadline", "At the latest 30 days after the end of the agreement" },
        { "en", "28(3)(g) confirmation", "confirms the deletion with a deletion certificate" },
        { "en", "28(3)(g) backups", "Backups of the keys are kept for at most 30 days; after that no backup can decrypt the deleted content." },
        { "en", "28(3)(g) restore", "whenever a backup is restored, every account and key listed there is erased again before the first access" },
        { "en", "28(3)(h)", "allows for and contributes to audits, including inspections" },
        { "en", "Art. 9", "Special categories of personal data (Art. 9 GDPR) may appear in prompts" },
        { "en", "contacts", "§ 11 Contacts" },
        { "en", "term", "§ 12 Term and termination" },
        { "en", "liability", "Liability is governed by Art. 82 GDPR." },
        { "en", "precedence", "this agreement takes precedence over the main agreement" },
        { "de", "28(3)(a)", "verarbeitet personenbezogene Daten nur auf dokumentierte Weisung des Verantwortlichen" },
        { "de", "28(3)(a) warning", "dass eine Weisung gegen Datenschutzvorschriften verstößt, weist er den Verantwortlichen unverzüglich darauf hin" },
        { "de", "28(3)(a) third countries", "Eine Übermittlung in ein Drittland oder an eine internationale Organisation erfolgt nur auf Weisung" },
        { "de", "28(3)(b)", "setzt nur Personen ein, die zur Vertraulichkeit verpflichtet sind" },
        { "de", "28(3)(c)", "Die Maßnahmen sind in Anlage 1 beschrieben und Bestandteil dieses Vertrags." },
        { "de", "28(3)(d) notice", "informiert der Auftragsverarbeiter mindestens 30 Tage im Voraus in Textform" },
        { "de", "28(3)(d) objection", "Der Verantwortliche kann innerhalb dieser Frist aus wichtigem datenschutzrechtlichem Grund widersprechen" },
        { "de", "28(3)(d) passed down", "erlegt jedem Unterauftragsverarbeiter vertraglich dieselben Datenschutzpflichten auf" },
        { "de", "28(4)", "haftet der Auftragsverarbeiter gegenüber dem Verantwortlichen für dessen Pflichten" },
        { "de", "28(3)(e)", "bei der Beantwortung von Anträgen betroffener Personen nach Kapitel III DSGVO" },
        { "de", "28(3)(f)", "bei der Einhaltung der Pflichten aus Art. 32 bis 36 DSGVO" },
        { "de", "breach hours", "unverzüglich, spätestens jedoch innerhalb von 24 Stunden nach Bekanntwerden" },
        { "de", "breach content", "Die Meldung enthält, soweit bekannt, die Art der Verletzung" },
        { "de", "28(3)(g) choice", "wählt der Verantwortliche, ob seine Daten gelöscht oder zurückgegeben werden" },
        { "de", "28(3)(g) deadline", "Spätestens 30 Tage nach Vertragsende" },
        { "de", "28(3)(g) confirmation", "bestätigt die Löschung mit einer Löschbescheinigung" },
        { "de", "28(3)(g) backups", "Sicherungskopien der Schlüssel werden höchstens 30 Tage aufbewahrt; danach kann keine Sicherung die gelöschten Inhalte mehr entschlüsseln." },
        { "de", "28(3)(g) restore", "bei jeder Wiederherstellung aus einer Sicherung werden alle dort vermerkten Konten und Schlüssel vor dem ersten Zugriff erneut gelöscht" },
        { "de", "28(3)(h)", "ermöglicht Überprüfungen einschließlich Inspektionen" },
        { "de", "Art. 9", "Besondere Kategorien personenbezogener Daten (Art. 9 DSGVO) können in Prompts enthalten sein" },
        { "de", "contacts", "§ 11 Ansprechpartner" },
        { "de", "term", "§ 12 Laufzeit und Kündigung" },
        { "de", "liability", "Für die Haftung gilt Art. 82 DSGVO." },
        { "de", "precedence", "Bei Widersprüchen geht dieser Vertrag in Fragen des Datenschutzes dem Hauptvertrag vor." },
    };

    // Annex 1: one heading per Art. 32 area (physical access ... incident handling), plus staff confidentiality.
    private static readonly Dictionary<string, string[]> Art32Headings = new()
    {
        ["en"] = ["Physical access control", "Access control", "Confidentiality of staff", "Transfer control", "Input control", "Availability and resilience", "Separation control", "Pseudonymisation and encryption", "Regular testing and evaluation", "Incident handling"],
        ["de"] = ["Zutrittskontrolle", "Zugangs- und Zugriffskontrolle", "Vertraulichkeit der Beschäftigten", "Weitergabekontrolle", "Eingabekontrolle", "Verfügbarkeit und Belastbarkeit", "Trennungskontrolle", "Pseudonymisierung und Verschlüsselung", "Regelmäßige Überprüfung und Bewertung", "Umgang mit Sicherheitsvorfällen"],
    };

    private static readonly Dictionary<string, string> Unconfirmed = new() { ["en"] = "[to be confirmed by the operator]", ["de"] = "[vom Betreiber zu bestätigen]" };

    private async Task<string> TextAsync(string language)
    {
        var pdf = await factory.Services.GetRequiredService<DpaDocumentWriter>().WriteAsync(language, null, DateTimeOffset.UtcNow);
        PdfArtifacts.Save(pdf, $"dpa-content-{language}");
        return PdfArtifacts.Text(pdf);
    }

    [Theory]
    [MemberData(nameof(Markers))]
    public async Task DpaPdf_EachLanguage_CoversTheArticle28Item(string language, string item, string sentence)
    {
        var text = await TextAsync(language);

        Assert.True(text.Contains(sentence, StringComparison.Ordinal), $"{language} DPA lacks {item}: {sentence}");
    }

    [Theory]
    [InlineData("en")]
    [InlineData("de")]
    public async Task DpaPdf_Annex1_OneSectionPerArticle32HeadingWithLiveValues(string language)
    {
        var text = await TextAsync(language);
        var annex = text[text.IndexOf(language == "de" ? "Anlage 1: Technische" : "Annex 1: Technical", StringComparison.Ordinal)..];

        foreach (var heading in Art32Headings[language])
        {
            Assert.Matches($@"\d+\. {Regex.Escape(heading)} ", annex);
        }
        Assert.Contains(language == "de" ? "spätestens binnen 24 Stunden" : "within 24 hours at the latest", annex);
        Assert.Contains(language == "de" ? "höchstens 30 Tage aufbewahrt" : "kept for at most 30 days", annex);
        Assert.Contains("AES-256-GCM", annex);
    }

    [Theory]
    [InlineData("en")]
    [InlineData("de")]
    public async Task DpaPdf_ShippedOrganisationalMeasures_PrintAsToBeConfirmedNeverAsFact(string language)
    {
        var text = await TextAsync(language);

        Assert.Equal(Enum.GetValues<OrganisationalMeasure>().Length, Regex.Matches(text, Regex.Escape(Unconfirmed[language])).Count);
        foreach (var measure in Enum.GetValues<OrganisationalMeasure>())
        {
            Assert.DoesNotContain(OrganisationalMeasures.Suggestion(measure), text);
        }
    }

    [Theory]
    [InlineData("en")]
    [InlineData("de")]
    public async Task DpaPdf_EachLanguage_NoConfigurationKeyName(string language)
    {
        var text = await TextAsync(language);

        Assert.DoesNotMatch(KeyName(), text);
        foreach (var name in new[] { "Privacy:", "Operator:", "OrganisationalMeasures", "Hosting:", "Storage:", "Records:", "BreachNoticeHours", "DpaVersion", "UseHttpsRedirection", "secure_delete", "{", "}" })
        {
            Assert.False(text.Contains(name, StringComparison.Ordinal), $"{language} DPA names '{name}'");
        }
    }

    [Theory]
    [InlineData("en", "de")]
    [InlineData("de", "en")]
    public async Task DpaPdf_EachLanguage_NoSentenceOfTheOther(string language, string other)
    {
        var text = await TextAsync(language);
        var options = new PrivacyOptions();
        var otherSentences = DpaDocumentWriter.Clauses(other)
            .SelectMany(c => DpaDocumentWriter.Fill(c.Body, options).Split(". ").Append(c.Title))
            .Concat(Art32Headings[other].Where(h => !Art32Headings[language].Contains(h)))
            .Concat((await factory.Services.GetRequiredService<TechnicalMeasures>().DescribeAsync(new PromptLeo.Web.Features.Reports.ReportText(other))).SelectMany(m => m.Measure.Split("; ")))
            .Where(s => s.Length > 12);

        foreach (var sentence in otherSentences)
        {
            Assert.False(text.Contains(sentence, StringComparison.Ordinal), $"{language} DPA holds the {other} text '{sentence}'");
        }
    }

    [Fact]
    public async Task DpaPdf_OperatorSetTheMeasures_PrintsThemAndNoNotice()
    {
        var set = new OrganisationalMeasuresOptions
        {
            PhysicalAccess = "Rack 12 in the Lindenhof data centre, badge and PIN.",
            StaffConfidentiality = "Two administrators, bound in writing under § 53 BDSG.",
            RestoreTests = "Monthly restore into a staging machine, logged.",
            SecurityTesting = "Penetration test by an external firm every spring.",
            IncidentResponse = "Runbook with an on-call rota of two.",
        };
        var measures = ActivatorUtilities.CreateInstance<TechnicalMeasures>(factory.Services, new OrganisationalMeasures(Options.Create(set)));
        var writer = ActivatorUtilities.CreateInstance<DpaDocumentWriter>(factory.Services, measures);

        var text = PdfArtifacts.Text(await writer.WriteAsync("en", null, DateTimeOffset.UtcNow));

        Assert.DoesNotContain("to be confirmed", text);
        foreach (var stated in new[] { set.PhysicalAccess, set.StaffConfidentiality, set.RestoreTests, set.SecurityTesting, set.IncidentResponse })
        {
            Assert.Contains(stated, text);
        }
    }

    [Fact]
    public async Task AdminPage_LedgerInsideTheDataFolder_WarnsAndNamesTheSetting()
    {
        var admin = await LegalPagesTests.AdminAsync(factory);

        var html = await LegalPagesTests.GetTextAsync(admin, "/admin", "en");

        Assert.Contains("id=\"ledger-inside-data\"", html);
        Assert.Contains("The erasure ledger lies inside the data folder", html);
        Assert.Contains("Storage:ErasureLedgerPath", html);
    }

    [Fact]
    public async Task AdminPage_ShippedOrganisationalMeasures_ListsEachAsToBeConfirmed()
    {
        var admin = await LegalPagesTests.AdminAsync(factory);

        var html = await LegalPagesTests.GetTextAsync(admin, "/admin", "en");

        Assert.Contains("id=\"measures-unconfirmed\"", html);
        Assert.Contains("to be confirmed by the operator", html);
        foreach (var measure in Enum.GetValues<OrganisationalMeasure>())
        {
            Assert.Contains($"data-unconfirmed=\"OrganisationalMeasures:{measure}\">OrganisationalMeasures:{measure}</code>", html);
            Assert.Contains(OrganisationalMeasures.Suggestion(measure), html);
        }
    }

    [Fact]
    public void OrganisationalMeasures_OneSetOthersShipped_OnlyTheSetOneIsConfirmed()
    {
        var measures = new OrganisationalMeasures(Options.Create(new OrganisationalMeasuresOptions { RestoreTests = "Weekly restore drill." }));

        Assert.DoesNotContain(OrganisationalMeasure.RestoreTests, measures.Pending);
        Assert.Equal(Enum.GetValues<OrganisationalMeasure>().Length - 1, measures.Pending.Count);
        Assert.Equal("Weekly restore drill.", measures.Show(OrganisationalMeasure.RestoreTests, new PromptLeo.Web.Features.Reports.ReportText("de")));
        Assert.Equal("[vom Betreiber zu bestätigen]", measures.Show(OrganisationalMeasure.PhysicalAccess, new PromptLeo.Web.Features.Reports.ReportText("de")));
    }

    // "Section:Key" as configuration names are written, e.g. Privacy:DpaVersion.
    [GeneratedRegex("[A-Z][a-z]+:[A-Z]")]
    private static partial Regex KeyName();
}
