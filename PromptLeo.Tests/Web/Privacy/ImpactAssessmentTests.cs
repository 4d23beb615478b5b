using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Privacy;

/// <summary>The DPIA (Art. 35) as printed: every required part in both languages, rated and described from the live settings.</summary>
public sealed class ImpactAssessmentTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    internal static async Task<string> TextAsync(PortalFactory portal, string language, string name)
    {
        var pdf = await portal.Services.GetRequiredService<ImpactAssessmentWriter>().WriteAsync(language, DateTimeOffset.UtcNow);
        PdfArtifacts.Save(pdf, name);
        return PdfArtifacts.Text(pdf);
    }

    /// <summary>The text of one risk section, from its heading to the next.</summary>
    internal static string Risk(string text, string heading)
    {
        var start = text.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(start >= 0, $"no risk '{heading}'");
        var end = text.IndexOf(" 4.", start + heading.Length, StringComparison.Ordinal);
        var result = text.IndexOf(" 5. ", start, StringComparison.Ordinal);
        return text[start..(end < 0 || end > result ? result : end)];
    }

    [Theory]
    [InlineData("en")]
    [InlineData("de")]
    public async Task Dpia_EachLanguage_HasEveryArticle35PartAndEachRiskWithRatingsAndMeasures(string language)
    {
        var text = await TextAsync(factory, language, $"dpia-{language}");

        var required = language == "de"
            ? new[] { "Datenschutz-Folgenabschätzung (Art. 35 DSGVO)", "Art. 35 Abs. 7 lit. a", "Art. 35 Abs. 7 lit. b", "Art. 35 Abs. 7 lit. c, d", "2. Zwecke", "Kanäle Webportal", "OpenAI-kompatible API (/v1)", "Region DE, Knoten", "Datenminimierung", "Keine Speicherung", "Verschlüsselung je Nutzer", "Art. 36", "Art. 35 Abs. 2", "(Datum, Name, Unterschrift)", "Freigabe durch den", "Art. 35 Abs. 11", "Anlage: Technische und organisatorische Maßnahmen" }
            : new[] { "Data protection impact assessment (Art. 35 GDPR)", "Art. 35(7)(a)", "Art. 35(7)(b)", "Art. 35(7)(c), (d)", "2. Purposes", "Channels Web portal", "OpenAI-compatible API (/v1)", "Region DE, node", "Data minimisation", "Zero retention", "Encryption per user", "Art. 36", "Art. 35(2)", "(date, name, signature)", "Approved by the controller", "Art. 35(11)", "Annex: technical and organisational measures" };
        Assert.All(required, item => Assert.Contains(item, text));
        var risks = language == "de"
            ? new[] { "4.1 Besondere Kategorien personenbezogener Daten (Art. 9)", "4.2 Aussagen über reale Personen (Halluzinationen) und Grenzen der Berichtigung (Art. 16)", "4.3 Unbefugter Zugriff", "4.4 Re-Identifizierung aus aufbewahrten Aufzeichnungen", "4.5 Verlust von Verfügbarkeit" }
            : new[] { "4.1 Special categories of data (Art. 9)", "4.2 Statements about real persons (hallucinations) and the limits of rectification (Art. 16)", "4.3 Unauthorized access", "4.4 Re-identification from retained records", "4.5 Loss of availability" };
        foreach (var heading in risks)
        {
            var risk = Risk(text, heading);
            foreach (var label in language == "de" ? new[] { "Eintrittswahrscheinlichkeit", "Schwere", "Restrisiko", "• " } : new[] { "Likelihood", "Severity", "Residual risk", "• " })
            {
                Assert.Contains(label, risk);
            }
        }
    }

    [Theory]
    [InlineData("en", "[to be confirmed by the operator]")]
    [InlineData("de", "[vom Betreiber zu bestätigen]")]
    public async Task Dpia_ShippedOrganisationalMeasures_FlaggedNeverPrintedAsFact(string language, string notice)
    {
        var text = await TextAsync(factory, language, $"dpia-defaults-{language}");

        Assert.Contains((language == "de" ? "Wiederherstellungstests: " : "Restore tests: ") + notice, text);
        Assert.Contains((language == "de" ? "Zutritt: " : "Physical access: ") + notice, text);
        foreach (var measure in Enum.GetValues<OrganisationalMeasure>())
        {
            Assert.DoesNotContain(OrganisationalMeasures.Suggestion(measure), text);
        }
        // Unconfirmed restore tests and a ledger inside the data folder keep the availability risk at medium.
        var availability = Risk(text, language == "de" ? "4.5 Verlust" : "4.5 Loss");
        Assert.Contains(language == "de" ? "Eintrittswahrscheinlichkeit mittel" : "Likelihood medium", availability);
        Assert.Contains(language == "de" ? "Restrisiko mittel" : "Residual risk medium", availability);
        Assert.Contains(language == "de" ? "liegt aber im Datenordner" : "but it lies inside the data folder", availability);
    }

    [Fact]
    public async Task Dpia_InstalledModels_ListedWithEnabledOrDisabledState()
    {
        var models = factory.Services.GetRequiredService<IModelRegistry>().List().Select(m => m.Manifest).ToList();
        Assert.NotEmpty(models);
        var switchedOff = models[0];
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            db.ModelSettings.Add(new ModelSetting { ModelId = switchedOff.Id, Disabled = true, ChangedAt = DateTimeOffset.UtcNow, ChangedBy = "test" });
            await db.SaveChangesAsync();
        }

        var text = await TextAsync(factory, "en", "dpia-models");

        foreach (var model in models)
        {
            // The id, not the display name: display names come from the manifests in one language.
            Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(model.Id)} \([a-z ]+, {(model == switchedOff ? "disabled" : "enabled")}\)", text);
        }
    }
}

public class ImpactAssessmentSettingsPortal : PortalFactory
{
    public const string RestoreTests = "Restores are rehearsed every month on the staging host by the Lindenhof operations team.";

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Privacy:DefaultChatRetentionDays"] = "7",
        ["Privacy:DefaultDocumentRetentionDays"] = "365",
        ["Records:RetentionDays"] = "180",
        ["Hosting:Region"] = "DE-FRA",
        ["Cluster:NodeName"] = "gpu-node-7",
        ["Api:RequestsPerMinutePerKey"] = "33",
        ["OrganisationalMeasures:RestoreTests"] = RestoreTests,
        ["Storage:ErasureLedgerPath"] = Path.Combine(LedgerDirectory, "erasures.ledger"),
    };

    /// <summary>The ledger outside the data folder, as the systemd unit keeps it.</summary>
    public string LedgerDirectory { get; } = Path.Combine(Path.GetTempPath(), "promptleo-tests", "ledger-" + Guid.NewGuid().ToString("N"));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(LedgerDirectory))
        {
            Directory.Delete(LedgerDirectory, recursive: true);
        }
    }
}

public sealed class ImpactAssessmentSettingsTests(ImpactAssessmentSettingsPortal factory) : IClassFixture<ImpactAssessmentSettingsPortal>
{
    [Theory]
    [InlineData("en", "Region DE-FRA, node gpu-node-7", "Chats: 7 days", "deleted after 180 days", "33 requests per minute per key", "Likelihood low", "Residual risk low")]
    [InlineData("de", "Region DE-FRA, Knoten gpu-node-7", "Chats: 7 Tage", "nach 180 Tagen gelöscht", "33 Anfragen pro Minute je Schlüssel", "Eintrittswahrscheinlichkeit gering", "Restrisiko gering")]
    public async Task Dpia_ChangedSettings_ChangeTheDescriptionAndTheRatings(string language, string where, string retention, string records, string limit, string restoreLikelihood, string art9Residual)
    {
        var text = await ImpactAssessmentTests.TextAsync(factory, language, $"dpia-configured-{language}");

        Assert.Contains(where, text);
        Assert.Contains(retention, text);
        Assert.Contains(language == "de" ? "Wissensdokumente mit ihren Passagen und Vektoren: 365 Tage nach dem Hochladen" : "knowledge documents with their passages and vectors: 365 days after upload", text);
        Assert.Contains(records, text);
        Assert.Contains(limit, text);
        Assert.Contains(ImpactAssessmentSettingsPortal.RestoreTests, text);
        // Confirmed restore tests lower the likelihood of losing data; a chat retention limit lowers the Art. 9 residual risk.
        // Confirmed restore tests and a ledger outside the data folder lower the availability risk to low.
        var availability = ImpactAssessmentTests.Risk(text, language == "de" ? "4.5 Verlust" : "4.5 Loss");
        Assert.Contains(restoreLikelihood, availability);
        Assert.Contains(art9Residual, availability);
        Assert.Contains(language == "de" ? "Das Löschregister liegt außerhalb des Datenordners" : "The erasure ledger lies outside the data folder", availability);
        Assert.Contains(art9Residual, ImpactAssessmentTests.Risk(text, "4.1 "));
    }
}
