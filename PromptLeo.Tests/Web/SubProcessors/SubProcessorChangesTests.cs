using System.IO.Compression;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Privacy;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Reports;
using PromptLeo.Web.Features.SubProcessors;

namespace PromptLeo.Tests.Web.SubProcessors;

/// <summary>A portal whose configuration names one sub-processor, to be seeded into the table at the first start.</summary>
public sealed class SubProcessorPortal : PortalFactory
{
    public const string Configured = "Hetzner Online GmbH, Industriestr. 25, 91710 Gunzenhausen, Server hosting, Germany";

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Privacy:SubProcessors:0"] = Configured };
}

/// <summary>The change workflow against the real database, on a clock the test moves.</summary>
public sealed class SubProcessorChangesTests(SubProcessorPortal factory) : IClassFixture<SubProcessorPortal>
{
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly ManualTime time = new();

    private SubProcessorRegistry Registry => field ??= ActivatorUtilities.CreateInstance<SubProcessorRegistry>(factory.Services);

    private SubProcessorChanges Changes => field ??= ActivatorUtilities.CreateInstance<SubProcessorChanges>(factory.Services, Registry, (TimeProvider)time);

    private static readonly ReportText English = new("en");

    private static SubProcessorInput Input(string name, bool inEea = true, string? basis = null) =>
        new(name, "Musterweg 1, 10115 Berlin", "Backup storage", inEea ? "Germany" : "USA", inEea, basis);

    private async Task<string> CustomerAsync(string language = "en")
    {
        var user = await PrivacySeed.CreateAsync(factory, language);
        await factory.Services.GetRequiredService<PrivacyCenter>().AcceptDpaAsync(user.Id, "Kunde GmbH", "Hauptstr. 1, Köln", null, "127.0.0.1");
        return user.Id;
    }

    private async Task<Guid> AnnounceAsync(SubProcessorChangeKind kind, int? target, SubProcessorInput? input)
    {
        var result = await Changes.AnnounceAsync("admin", kind, target, input, "https://portal.example/privacy/dpa");
        Assert.Null(result.Error);
        return result.ChangeId!.Value;
    }

    [Fact]
    public async Task Seed_ConfiguredList_ParsedOnceAndPrintedAsConfigured()
    {
        _ = factory.CreateClient();
        await Registry.SeedAsync();
        await Registry.SeedAsync();
        var seeded = (await Registry.CurrentAsync(time.Now)).InForce.Where(s => s.Name == "Hetzner Online GmbH").ToList();

        var row = Assert.Single(seeded);
        Assert.Equal(("Industriestr. 25, 91710 Gunzenhausen", "Server hosting", "Germany"), (row.Address, row.Service, row.Location));
        Assert.Equal(SubProcessorPortal.Configured, row.Describe(English));
    }

    [Fact]
    public async Task Addition_BeforeEffectiveDate_OnlyAnnounced_FromEffectiveDate_InForce()
    {
        _ = factory.CreateClient();
        var id = await AnnounceAsync(SubProcessorChangeKind.Addition, null, Input("Addition Backup GmbH"));
        var effective = Registry.Current(time.Now).Announced.Single(c => c.Id == id).EffectiveAt;
        Assert.InRange(time.Now.AddDays(30) - effective, TimeSpan.Zero, TimeSpan.FromSeconds(1));

        var before = await Registry.CurrentAsync(effective.AddSeconds(-1));
        Assert.DoesNotContain(before.InForce, s => s.Name == "Addition Backup GmbH");
        Assert.Single(before.Announced, c => c.Id == id);
        Assert.Contains("Addition of Addition Backup GmbH", before.AnnouncedLines(English).Single(l => l.Contains("Addition Backup")));

        var after = Registry.Current(effective);
        Assert.Contains(after.InForce, s => s.Name == "Addition Backup GmbH" && s.InEea == true);
        Assert.DoesNotContain(after.Announced, c => c.Id == id);
    }

    [Fact]
    public async Task Replacement_OldStaysUntilEffectiveDate_ThenNewReplacesIt()
    {
        _ = factory.CreateClient();
        await AnnounceAsync(SubProcessorChangeKind.Addition, null, Input("Old Mail GmbH"));
        time.Now = time.Now.AddDays(31);
        var old = (await Registry.CurrentAsync(time.Now)).InForce.Single(s => s.Name == "Old Mail GmbH");

        await AnnounceAsync(SubProcessorChangeKind.Replacement, old.Id, Input("New Mail Inc.", inEea: false, basis: "Standard contractual clauses"));

        var before = Registry.Current(time.Now.AddDays(29));
        Assert.Contains(before.InForce, s => s.Name == "Old Mail GmbH");
        Assert.DoesNotContain(before.InForce, s => s.Name == "New Mail Inc.");
        var after = Registry.Current(time.Now.AddDays(30));
        Assert.DoesNotContain(after.InForce, s => s.Name == "Old Mail GmbH");
        Assert.Contains("(third country; transfer basis: Standard contractual clauses)", after.Lines(English).Single(l => l.StartsWith("New Mail Inc.")));
    }

    [Fact]
    public async Task Announce_BadInput_RefusedWithMessageAndNothingStored()
    {
        _ = factory.CreateClient();
        await AnnounceAsync(SubProcessorChangeKind.Addition, null, Input("Removable GmbH"));
        time.Now = time.Now.AddDays(31);
        var removable = (await Registry.CurrentAsync(time.Now)).InForce.Single(s => s.Name == "Removable GmbH");
        await AnnounceAsync(SubProcessorChangeKind.Removal, removable.Id, null);
        await using var db = await factory.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var changesBefore = await db.SubProcessorChanges.CountAsync();

        Assert.Equal("This sub-processor already has an announced replacement or removal.", (await Changes.AnnounceAsync("admin", SubProcessorChangeKind.Removal, removable.Id, null, "x")).Error);
        Assert.Equal("Choose a sub-processor that is in force.", (await Changes.AnnounceAsync("admin", SubProcessorChangeKind.Removal, 999_999, null, "x")).Error);
        Assert.Equal("Name, service and location are required.", (await Changes.AnnounceAsync("admin", SubProcessorChangeKind.Addition, null, Input(" "), "x")).Error);
        Assert.Equal("A sub-processor outside the EU/EEA needs a transfer basis (Art. 44 ff. GDPR).", (await Changes.AnnounceAsync("admin", SubProcessorChangeKind.Addition, null, Input("Far Away Inc.", inEea: false), "x")).Error);
        Assert.Equal(changesBefore, await db.SubProcessorChanges.CountAsync());
    }

    [Fact]
    public async Task Announce_MailsEveryDpaCustomerInTheirLanguage_AndNobodyElse()
    {
        _ = factory.CreateClient();
        var german = await CustomerAsync("de");
        var english = await CustomerAsync("en");
        var bystander = (await PrivacySeed.CreateAsync(factory)).Id;

        var id = await AnnounceAsync(SubProcessorChangeKind.Addition, null, Input("Mail Notice GmbH"));

        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var notices = await db.SubProcessorNotices.Where(n => n.ChangeId == id).ToListAsync();
        Assert.Contains(notices, n => n.UserId == german && n.MailedAt != null);
        Assert.Contains(notices, n => n.UserId == english && n.MailedAt != null);
        Assert.DoesNotContain(notices, n => n.UserId == bystander);
        var emails = await db.Users.Where(u => u.Id == german || u.Id == english || u.Id == bystander).ToDictionaryAsync(u => u.Id, u => u.Email!);
        var de = await MailPickup.WaitForMailToAsync(factory.MailDirectory, emails[german]);
        Assert.Equal("Angekündigte Änderung der Unterauftragsverarbeiter", de.Subject);
        Assert.Contains("Hinzuziehung von Mail Notice GmbH", de.TextBody);
        Assert.Contains("https://portal.example/privacy/dpa", de.TextBody);
        var en = await MailPickup.WaitForMailToAsync(factory.MailDirectory, emails[english]);
        Assert.Equal("Announced change of sub-processors", en.Subject);
        Assert.Contains($"takes effect on {English.Date(time.Now.AddDays(30))}", en.TextBody);
        await Assert.ThrowsAsync<TimeoutException>(() => MailPickup.WaitForMailToAsync(factory.MailDirectory, emails[bystander], TimeSpan.FromMilliseconds(300)));
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == AuditActions.SubProcessorChangeAnnounced && a.Details.Contains(id.ToString())));
    }

    [Fact]
    public async Task Object_EachBadCase_RefusedWithItsOutcome()
    {
        _ = factory.CreateClient();
        var customer = await CustomerAsync();
        var noDpa = (await PrivacySeed.CreateAsync(factory)).Id;
        var id = await AnnounceAsync(SubProcessorChangeKind.Addition, null, Input("Objection Target GmbH"));

        Assert.Equal(ObjectionOutcome.ReasonTooLong, await Changes.ObjectAsync(customer, id, new string('x', SubProcessorLimits.ReasonLength + 1)));
        Assert.Equal(ObjectionOutcome.UnknownChange, await Changes.ObjectAsync(customer, Guid.NewGuid(), null));
        Assert.Equal(ObjectionOutcome.NoDpa, await Changes.ObjectAsync(noDpa, id, null));
        Assert.Equal(ObjectionOutcome.Recorded, await Changes.ObjectAsync(customer, id, "  Data must stay in Germany.  "));
        Assert.Equal(ObjectionOutcome.AlreadyObjected, await Changes.ObjectAsync(customer, id, null));
        var late = await CustomerAsync();
        time.Now = time.Now.AddDays(30);
        Assert.Equal(ObjectionOutcome.AlreadyEffective, await Changes.ObjectAsync(late, id, null));

        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var objection = await db.SubProcessorObjections.SingleAsync(o => o.ChangeId == id);
        Assert.Equal((customer, "Data must stay in Germany."), (objection.UserId, objection.Reason));
        Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.SubjectId == customer && a.Action == AuditActions.SubProcessorObjected));
        var row = Assert.Single(await Changes.ForAdminAsync(English), r => r.Id == id);
        Assert.Equal("Data must stay in Germany.", Assert.Single(row.Objections).Reason);
        Assert.True(row.InForce);
    }

    [Fact]
    public async Task Banner_ShownUntilDismissedOrEffective_DismissOnlyOwnNotice()
    {
        _ = factory.CreateClient();
        var first = await CustomerAsync();
        var second = await CustomerAsync();
        var id = await AnnounceAsync(SubProcessorChangeKind.Addition, null, Input("Banner GmbH"));

        Assert.Contains(await Changes.BannerAsync(first), n => n.ChangeId == id);
        Assert.True(await Changes.DismissAsync(first, id));
        Assert.False(await Changes.DismissAsync("someone-else", id));
        Assert.DoesNotContain(await Changes.BannerAsync(first), n => n.ChangeId == id);
        Assert.Contains(await Changes.BannerAsync(second), n => n.ChangeId == id);
        time.Now = time.Now.AddDays(30);
        Assert.DoesNotContain(await Changes.BannerAsync(second), n => n.ChangeId == id);
    }

    [Fact]
    public async Task ExportAndErasure_ObjectionAndNotice_InExport_ThenDeleted()
    {
        _ = factory.CreateClient();
        var customer = await CustomerAsync();
        var id = await AnnounceAsync(SubProcessorChangeKind.Addition, null, Input("Export GmbH"));
        Assert.Equal(ObjectionOutcome.Recorded, await Changes.ObjectAsync(customer, id, "Not without a DPIA"));
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var counts = await new SubProcessorExportContributor().WriteAsync(new ExportArchive(zip, customer, () => Task.CompletedTask), db, CancellationToken.None);
            Assert.Equal(1, counts["subprocessor-objections"]);
            Assert.Equal(1, counts["subprocessor-notices"]);
        }
        using (var zip = new ZipArchive(new MemoryStream(buffer.ToArray()), ZipArchiveMode.Read))
        {
            using var json = JsonDocument.Parse(zip.GetEntry("subprocessor-changes.json")!.Open());
            var objection = json.RootElement.GetProperty("objections")[0];
            Assert.Equal(id, objection.GetProperty("ChangeId").GetGuid());
            Assert.Equal("Not without a DPIA", objection.GetProperty("Reason").GetString());
        }

        var participant = new SubProcessorErasureParticipant();
        Assert.Equal(1, (await participant.CountAsync(db, customer, CancellationToken.None))["subprocessor-objections"]);
        await participant.EraseAsync(db, customer, "pseudo-123", CancellationToken.None);
        Assert.False(await db.SubProcessorNotices.AnyAsync(n => n.UserId == customer || n.UserId == "pseudo-123"));
        Assert.False(await db.SubProcessorObjections.AnyAsync(o => o.ChangeId == id));
    }
}
