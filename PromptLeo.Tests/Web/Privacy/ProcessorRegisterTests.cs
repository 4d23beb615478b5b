using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Tests.Web.Privacy;

/// <summary>The Art. 30(2) register: each customer from its latest DPA acceptance, what was processed for it, transfers, TOMs.</summary>
public sealed class ProcessorRegisterTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private static readonly DateTimeOffset FirstAccepted = new(2026, 10, 3, 9, 15, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset ReAccepted = new(2026, 11, 20, 14, 40, 0, TimeSpan.Zero);

    private static async Task<(SeededUser Customer, SeededUser Outdated, string Suffix)> SeedAsync(PortalFactory portal)
    {
        var customer = await PrivacySeed.CreateAsync(portal);
        var outdated = await PrivacySeed.CreateAsync(portal);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await using var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var current = portal.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PrivacyOptions>>().Value.DpaVersion;
        // The customer accepted an old version first and the current one later: only the later one is the contract.
        db.DpaAcceptances.Add(new DpaAcceptance { UserId = customer.Id, Version = "legacy-7", AcceptedAt = FirstAccepted, IpHash = new string('a', 64), CompanyName = $"Altname {suffix} AG", CompanyAddress = "Alte Gasse 1, Köln" });
        db.DpaAcceptances.Add(new DpaAcceptance { UserId = customer.Id, Version = current, AcceptedAt = ReAccepted, IpHash = new string('b', 64), CompanyName = $"Lindenhof {suffix} GmbH", CompanyAddress = "Hauptstraße 5, 50667 Köln", VatId = "DE123456789" });
        db.DpaAcceptances.Add(new DpaAcceptance { UserId = outdated.Id, Version = "2025-01", AcceptedAt = FirstAccepted, IpHash = new string('c', 64), CompanyName = $"Birkenweg {suffix} KG", CompanyAddress = "Birkenweg 2, Bonn" });
        db.ProcessingRecords.Add(new ProcessingRecord { RequestId = "req-" + Guid.NewGuid().ToString("N"), SubjectId = customer.Id, Channel = "api", Purpose = ProcessingPurpose.ImageGeneration, ModelId = "demo-sd", RetentionUntil = DateTimeOffset.UtcNow.AddDays(30) });
        await db.SaveChangesAsync();
        return (customer, outdated, suffix);
    }

    private static async Task<string> TextAsync(PortalFactory portal, string language)
    {
        var pdf = await portal.Services.GetRequiredService<ProcessorRegisterWriter>().WriteAsync(language, DateTimeOffset.UtcNow);
        PdfArtifacts.Save(pdf, $"art30-2-processor-register-{language}");
        return PdfArtifacts.Text(pdf);
    }

    [Theory]
    [InlineData("en")]
    [InlineData("de")]
    public async Task ProcessorRegister_EachLanguage_ListsEachCustomerWithLatestAgreementProcessingTransfersAndToms(string language)
    {
        var t = new ReportText(language);
        var (customer, _, suffix) = await SeedAsync(factory);

        var text = await TextAsync(factory, language);

        foreach (var item in language == "de"
            ? new[] { "Art. 30 Abs. 2 DSGVO", "Auftragsverarbeiter", "Vertreter", "Datenschutzbeauftragter", "Verantwortlicher", "Kontakt", "Art. 30 Abs. 2 lit. b", "Art. 30 Abs. 2 lit. c", "Art. 30 Abs. 2 lit. d", "Drittlandübermittlung", "Unterauftragsverarbeiter", "Anlage: Technische und organisatorische Maßnahmen (Art. 30 Abs. 2 lit. d, Art. 32)", "AES-256-GCM" }
            : new[] { "Art. 30(2) GDPR", "Processor", "Representatives", "Data protection officer", "Controller", "Contact", "Art. 30(2)(b)", "Art. 30(2)(c)", "Art. 30(2)(d)", "Third-country transfer", "Sub-processors", "Annex: technical and organisational measures (Art. 30(2)(d), Art. 32)", "AES-256-GCM" })
        {
            Assert.Contains(item, text);
        }
        Assert.Contains($"Lindenhof {suffix} GmbH, Hauptstraße 5, 50667 Köln, DE123456789", text);
        Assert.Contains(customer.Email, text);
        Assert.Contains(t.T($"Version 2026-12, accepted {t.DateTime(ReAccepted)}", $"Version 2026-12, angenommen am {t.DateTime(ReAccepted)}"), text);
        Assert.DoesNotContain($"Altname {suffix}", text); // superseded by the later acceptance
        Assert.DoesNotContain("legacy-7", text);
        Assert.Contains($"{ProcessingActivities.PurposeLabel(ProcessingPurpose.ImageGeneration, t)} (API): 1", text);
        Assert.Contains($"{ProcessingActivities.PurposeLabel(ProcessingPurpose.Chat, t)} ({t.T("portal", "Portal")}): 1", text); // the seeded chat
    }

    [Theory]
    [InlineData("en", "— not the current version 2026-12; re-acceptance pending")]
    [InlineData("de", "— nicht die aktuelle Version 2026-12; erneute Annahme ausstehend")]
    public async Task ProcessorRegister_OlderAgreementVersion_IsMarkedAsPendingReacceptance(string language, string marker)
    {
        var (_, _, suffix) = await SeedAsync(factory);

        var text = await TextAsync(factory, language);

        var outdated = text[text.IndexOf($"Birkenweg {suffix} KG", StringComparison.Ordinal)..];
        Assert.Contains("2025-01", outdated);
        Assert.Contains(marker, outdated);
    }

    [Fact]
    public async Task ProcessorRegister_ErasedCustomer_LeavesTheRegister()
    {
        var (_, outdated, suffix) = await SeedAsync(factory);
        // The real erasure: the DPA rows go with the account (Art. 30(1) register: "on erasure of the account").
        await factory.Services.GetRequiredService<AccountEraser>().EraseAsync(outdated.Id, outdated.Id);

        var text = await TextAsync(factory, "en");

        Assert.DoesNotContain($"Birkenweg {suffix} KG", text);
        Assert.Contains($"Lindenhof {suffix} GmbH", text);
    }
}

public class ProcessorRegisterSettingsPortal : PortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Privacy:DpaVersion"] = "2027-02",
        ["Privacy:SubProcessors:0"] = "Nordlicht Backup GmbH, Hamburg, encrypted off-site backup, Germany",
        ["Hosting:Region"] = "DE-HAM",
    };
}

public sealed class ProcessorRegisterSettingsTests(ProcessorRegisterSettingsPortal factory) : IClassFixture<ProcessorRegisterSettingsPortal>
{
    [Fact]
    public async Task ProcessorRegister_NoCustomerYet_SaysSoAndPrintsTheConfiguredVersionSubProcessorAndRegion()
    {
        var pdf = await factory.Services.GetRequiredService<ProcessorRegisterWriter>().WriteAsync("de", DateTimeOffset.UtcNow);
        var text = PdfArtifacts.Text(pdf);

        Assert.Contains("Kein Kunde hat den Auftragsverarbeitungsvertrag angenommen", text);
        Assert.Contains("Aktuelle Vertragsversion 2027-02", text);
        Assert.Contains("Nordlicht Backup GmbH, Hamburg", text);
        Assert.Contains("Region DE-HAM", text);
    }
}
