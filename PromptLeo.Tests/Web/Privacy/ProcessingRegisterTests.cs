using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Tests.Web.Privacy;

/// <summary>The Art. 30(1) register as printed: every activity with every item, in both languages, derived from the settings.</summary>
public sealed class ProcessingRegisterTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private static readonly Dictionary<string, string[]> ItemLabels = new()
    {
        ["en"] = ["Purpose and legal basis", "Data subjects", "Data categories", "Recipients", "Third-country transfer", "Deletion period", "TOMs"],
        ["de"] = ["Zweck und Rechtsgrundlage", "Betroffene", "Datenkategorien", "Empfänger", "Drittlandübermittlung", "Löschfrist", "TOM"],
    };

    private async Task<string> TextAsync(PortalFactory portal, string language)
    {
        var pdf = await portal.Services.GetRequiredService<ProcessingRegisterWriter>().WriteAsync(language, DateTimeOffset.UtcNow);
        PdfArtifacts.Save(pdf, $"art30-register-{language}");
        return PdfArtifacts.Text(pdf);
    }

    [Theory]
    [InlineData("en")]
    [InlineData("de")]
    public async Task Register_EachLanguage_EveryActivityWithEveryArticle30Item(string language)
    {
        var t = new ReportText(language);
        var text = await TextAsync(factory, language);
        var activities = factory.Services.GetRequiredService<ProcessingActivities>().Describe(t);

        Assert.Equal(Enum.GetValues<RegisterActivity>().Order(), activities.Select(a => a.Kind).Order());
        foreach (var (activity, number) in activities.Select((a, i) => (a, i + 1)))
        {
            Assert.Contains($"{number}. {activity.Name}", text);
            Assert.Contains(activity.Deletion, text);
            Assert.Contains(activity.Transfer, text);
            Assert.NotEmpty(activity.Recipients);
            Assert.NotEmpty(activity.Measures);
        }
        foreach (var label in ItemLabels[language])
        {
            Assert.True(text.Split(label).Length - 1 >= activities.Count, $"{label} is not printed for every activity");
        }
        var required = language == "de"
            ? new[] { "Art. 30 Abs. 1", "Verantwortlicher", "Vertreter", "Datenschutzbeauftragter", "Konto-E-Mails", "Anwendungsprotokolle", "API-Schlüssel", "Datenexporte", "Auftragsverarbeitungsverträge", "HMAC", "Abrechnung", "Verarbeitungsnachweise", "Audit-Log", "Chat- und Bild-Inferenz", "Sitzungen", "Anlage: Technische und organisatorische Maßnahmen", "Anlage, Nr." }
            : new[] { "Art. 30(1)", "Controller", "Representatives", "Data protection officer", "Account e-mails", "Application logs", "API keys", "Data exports", "Data processing agreements", "keyed hash of the IP address", "Billing", "Processing records", "Audit log", "Chat and image inference", "Sessions", "Annex: technical and organisational measures", "Annex, nos." };
        foreach (var item in required)
        {
            Assert.Contains(item, text);
        }
    }

    [Theory]
    [InlineData("en", "[to be confirmed by the operator]")]
    [InlineData("de", "[vom Betreiber zu bestätigen]")]
    public async Task Register_LogRetentionNotStated_FlaggedAsToBeConfirmed(string language, string notice)
    {
        var text = await TextAsync(factory, language);

        var logs = text[text.IndexOf(language == "de" ? "Anwendungsprotokolle" : "Application logs", text.IndexOf(language == "de" ? "Verarbeitungstätigkeiten" : "Processing activities", StringComparison.Ordinal), StringComparison.Ordinal)..];
        Assert.Contains(notice, logs[..logs.IndexOf(language == "de" ? "Empfänger" : "Recipients", logs.IndexOf(language == "de" ? "Löschfrist" : "Deletion period", StringComparison.Ordinal), StringComparison.Ordinal)]);
    }

    [Fact]
    public async Task Register_ReferencedTomHeadings_AreTheAnnexHeadingsInBothLanguages()
    {
        foreach (var language in new[] { "en", "de" })
        {
            var t = new ReportText(language);
            var areas = (await factory.Services.GetRequiredService<TechnicalMeasures>().DescribeAsync(t)).Select(m => m.Area).ToList();
            foreach (var activity in factory.Services.GetRequiredService<ProcessingActivities>().Describe(t))
            {
                Assert.All(activity.Measures, area => Assert.Contains(area, areas));
            }
        }
    }

    [Fact]
    public async Task Register_Admin_DownloadsIt_NormalUserForbidden()
    {
        var admin = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(admin, PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);
        var adminPage = await admin.GetStringAsync("/admin");
        foreach (var link in new[] { "/admin/privacy/register.pdf", "/admin/privacy/processor-register.pdf", "/admin/privacy/dpia.pdf" })
        {
            Assert.Contains($"href=\"{link}\"", adminPage);
            var response = await admin.GetAsync(link);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        }

        var user = factory.CreateBrowserLikeClient();
        await PortalSession.RegisterConfirmAndLoginAsync(factory, user, $"user-{Guid.NewGuid():N}@promptleo.test", PrivacySeed.Password);
        foreach (var link in new[] { "/admin/privacy/register.pdf", "/admin/privacy/processor-register.pdf", "/admin/privacy/dpia.pdf" })
        {
            var response = await user.GetAsync(link);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.NotEqual("application/pdf", response.Content.Headers.ContentType?.MediaType);
        }
    }

    // Coverage: what the code stores or processes must have a register entry, so a new one without it fails here.

    [Fact]
    public async Task Coverage_EveryDatabaseEntity_HasARegisterActivityOrIsDeclaredFreeOfPersonalData()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        await using var keys = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<DataKeyDbContext>>().CreateDbContextAsync();
        var entities = db.Model.GetEntityTypes().Concat(keys.Model.GetEntityTypes()).Where(e => !e.IsOwned()).Select(e => e.ClrType).Distinct().ToList();

        var missing = entities.Where(type => !ProcessingActivities.Stores.ContainsKey(type)).Select(type => type.Name).ToList();

        Assert.True(missing.Count == 0, $"Entities without an Art. 30 register activity: {string.Join(", ", missing)}");
        Assert.All(ProcessingActivities.Stores.Keys, type => Assert.Contains(type, entities)); // no stale entries
    }

    [Fact]
    public async Task Coverage_EveryIpDerivedColumn_IsRegisteredWithItsHash()
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var activities = factory.Services.GetRequiredService<ProcessingActivities>().Describe(new ReportText("en")).ToDictionary(a => a.Kind);
        var ipColumns = db.Model.GetEntityTypes().SelectMany(e => e.GetProperties().Select(p => (Entity: e.ClrType, Property: p.Name)))
            .Where(c => c.Property.StartsWith("Ip", StringComparison.Ordinal) || c.Property.Contains("IpAddress", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(ipColumns);
        foreach (var (entity, property) in ipColumns)
        {
            var activity = ProcessingActivities.Stores[entity];
            Assert.True(activity is not null, $"{entity.Name}.{property} has no register activity");
            Assert.Contains("IP address", activities[activity.Value].Data);
            Assert.Contains("hash", activities[activity.Value].Data);
        }
        // Sign-in throttling counts by e-mail and IP address in memory: the sessions entry says so, with how long.
        Assert.Contains("IP address counted in memory only", activities[RegisterActivity.Sessions].Data);
    }

    [Fact]
    public async Task Coverage_EveryProcessingPurpose_IsNamedInTheInferenceActivity()
    {
        var purposes = ProcessingActivities.InferencePurposes;
        Assert.Contains(ProcessingPurpose.Chat, purposes);
        Assert.Contains(ProcessingPurpose.BackgroundRemoval, purposes);
        foreach (var language in new[] { "en", "de" })
        {
            var t = new ReportText(language);
            var text = await TextAsync(factory, language);
            foreach (var purpose in purposes)
            {
                Assert.Contains(ProcessingActivities.PurposeLabel(purpose, t), text);
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessingActivities.PurposeLabel("unregistered-purpose", new ReportText("en")));
    }

    [Fact]
    public async Task Coverage_EveryCategoryTheRetentionPurgeDeletes_HasTheActivityItBelongsTo()
    {
        // A clock long before any data: the purge deletes nothing but reports every category it covers.
        var counts = await factory.Services.GetRequiredService<RetentionPurger>().PurgeAsync(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero));

        var categories = counts.ToString().Split(", ").Select(c => c.Split('=')[0]).ToList();
        Assert.Equal(ProcessingActivities.PurgedCategories.Keys.Order(), categories.Order());
        Assert.All(ProcessingActivities.PurgedCategories.Values, activity => Assert.Contains(activity, Enum.GetValues<RegisterActivity>()));
    }
}

public class RegisterSettingsPortal : PortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Privacy:ApplicationLogRetentionDays"] = "21",
        ["Privacy:ExportLinkHours"] = "7",
        ["Records:RetentionDays"] = "400",
        ["Sessions:IdleLifetime"] = "5.00:00:00",
        ["Email:SmtpHost"] = "mail.lindenhof.test",
        ["Hosting:Region"] = "DE-MUC",
        ["Privacy:SubProcessors:0"] = "Nordlicht Backup GmbH, Hamburg, encrypted off-site backup, Germany",
    };
}

public sealed class ProcessingRegisterSettingsTests(RegisterSettingsPortal factory) : IClassFixture<RegisterSettingsPortal>
{
    [Theory]
    [InlineData("en", "21 days (the host's log retention", "7 hours after completion", "400 days; pseudonymized", "or 5 days after last use", "mail server mail.lindenhof.test", "region DE-MUC")]
    [InlineData("de", "21 Tage (Protokollaufbewahrung des Servers", "7 Stunden nach Fertigstellung", "400 Tage; nach Löschung", "oder 5 Tage nach letzter Nutzung", "Mailserver mail.lindenhof.test", "Region DE-MUC")]
    public async Task Register_ChangedSettings_ChangeThePrintedPeriodsRecipientsAndRegion(string language, params string[] expected)
    {
        var pdf = await factory.Services.GetRequiredService<ProcessingRegisterWriter>().WriteAsync(language, DateTimeOffset.UtcNow);
        var text = PdfArtifacts.Text(pdf);

        Assert.All(expected, item => Assert.Contains(item, text));
        Assert.DoesNotContain(language == "de" ? "1095 Tage" : "1095 days", text);
        Assert.DoesNotContain(language == "de" ? "24 Stunden nach Fertigstellung" : "24 hours after completion", text);
        // A sub-processor becomes a recipient of every activity, and the transfer entry points to where it processes.
        Assert.Contains(language == "de" ? "Unterauftragsverarbeiter: Nordlicht Backup GmbH, Hamburg" : "sub-processors: Nordlicht Backup GmbH, Hamburg", text);
        Assert.Contains(language == "de" ? "Keine durch den Betreiber (Region DE-MUC)" : "None by the operator (region DE-MUC)", text);
        // The mail server's location is not known to the software: flagged, never stated as fact.
        Assert.Contains(language == "de" ? "Standort des Mailservers mail.lindenhof.test: [vom Betreiber zu bestätigen]" : "location of mail server mail.lindenhof.test: [to be confirmed by the operator]", text);
    }
}
