using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Privacy;

/// <summary>Issue 14: DPA acceptances and the privacy notice version kept after erasure as contract evidence, unlinked, for the limitation period.</summary>
public sealed class ContractEvidenceTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private IDbContextFactory<AppDbContext> DbFactory => factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    /// <summary>A business customer whose every identifying value is known to the test.</summary>
    private sealed record Party(SeededUser User, string Surname, string Company, string Street, string DpaAddress, string VatId, string RequestId)
    {
        public string[] Names => [User.DisplayName, User.Email, Surname, Company, Street, DpaAddress, VatId];
    }

    private sealed record Erased(Party Party, string Pseudonym, List<Invoice> Invoices, ErasureResult Result);

    private async Task<Party> SeedPartyAsync(string language = "en", bool acceptDpa = true, bool withNotice = true)
    {
        var user = await PrivacySeed.CreateAsync(factory, language);
        var unique = user.DisplayName[^10..];
        var street = $"Musterweg {unique}";
        var vatId = "DE" + Random.Shared.NextInt64(100_000_000, 999_999_999);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var account = (await users.FindByIdAsync(user.Id))!;
            account.BillingStreet = street;
            account.BillingPostalCode = "50667";
            account.BillingCountry = "DE";
            account.VatId = vatId;
            account.PrivacyNoticeVersion = withNotice ? factory.Services.GetRequiredService<LegalDocuments>().PrivacyNoticeVersion : null;
            Assert.True((await users.UpdateAsync(account)).Succeeded);
        }
        var company = $"Zylinski{unique} GmbH";
        var dpaAddress = $"{street}, 50667 Köln";
        if (acceptDpa)
        {
            await factory.Services.GetRequiredService<PrivacyCenter>().AcceptDpaAsync(user.Id, company, dpaAddress, vatId, "203.0.113.7");
        }
        var requestId = $"req_{Guid.NewGuid():N}"[..24];
        await using var db = await DbFactory.CreateDbContextAsync();
        var organizationId = await factory.Services.GetRequiredService<PromptLeo.Web.Features.Organizations.OrganizationDirectory>().PersonalIdAsync(user.Id);
        db.UsageEvents.Add(new UsageEvent { OrganizationId = organizationId, UserId = user.Id, ModelId = "demo-chat", Kind = "chat", OutputTokens = 1000, AmountMicros = 4_000_000, RequestId = requestId, At = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
        return new Party(user, $"Zylinski{unique}", company, street, dpaAddress, vatId, requestId);
    }

    /// <summary>Erased in stages, so the final invoice can be read while it still belongs to the account.</summary>
    private async Task<Erased> EraseAsync(Party party)
    {
        var eraser = factory.Services.GetRequiredService<AccountEraser>();
        var job = await eraser.BeginAsync(party.User.Id, party.User.Id, CancellationToken.None);
        await eraser.EraseContentAsync(job, CancellationToken.None);
        List<Invoice> invoices;
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            invoices = await db.Invoices.AsNoTracking().Where(i => i.UserId == party.User.Id).ToListAsync();
        }
        var result = await eraser.ContinueAsync(job.Id);
        return new Erased(party, job.Pseudonym, invoices, result);
    }

    private async Task<List<ContractEvidence>> EvidenceAsync(string reference)
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        return await db.ContractEvidence.AsNoTracking().Where(e => e.Reference == reference).OrderBy(e => e.Id).ToListAsync();
    }

    private static string Reference(ErasureResult result) => Regex.Match(PdfArtifacts.Text(result.Certificate), @"evidence-[0-9a-f]{24}").Value;

    [Fact]
    public async Task Erase_WithDpaAndNotice_MovesBothIntoTheEvidenceArchiveUnderItsOwnReference()
    {
        var erased = await EraseAsync(await SeedPartyAsync());
        var party = erased.Party;
        var reference = Reference(erased.Result);

        var evidence = await EvidenceAsync(reference);
        Assert.NotEqual(erased.Pseudonym, reference);
        Assert.Equal([ContractEvidenceKinds.DpaAcceptance, ContractEvidenceKinds.PrivacyNotice], evidence.Select(e => e.Kind));
        var dpa = evidence[0];
        Assert.Equal(("2026-12", party.Company, party.DpaAddress, party.VatId), (dpa.Version, dpa.CompanyName, dpa.CompanyAddress, dpa.VatId));
        Assert.Equal(DateOnly.FromDateTime(DateTime.UtcNow), dpa.AcceptedOn);
        Assert.Matches("^[0-9a-f]{64}$", dpa.IpHash);
        Assert.Equal(factory.Services.GetRequiredService<LegalDocuments>().PrivacyNoticeVersion, evidence[1].Version);
        Assert.Null(evidence[1].AcceptedOn);
        var until = new DateTimeOffset(DateTime.UtcNow.Year + 3, 12, 31, 0, 0, 0, TimeSpan.Zero);
        Assert.All(evidence, e => Assert.Equal(until, e.RetainedUntil));
        await using var db = await DbFactory.CreateDbContextAsync();
        Assert.False(await db.DpaAcceptances.AnyAsync(d => d.UserId == party.User.Id));
        // The acceptance's audit entry would point from the pseudonymized trail to the company by version and time.
        Assert.False(await db.AuditEntries.AnyAsync(a => a.Action == AuditActions.DpaAccepted && (a.SubjectId == erased.Pseudonym || a.SubjectId == party.User.Id)));
        Assert.True(await db.AuditEntries.AnyAsync(a => a.SubjectId == erased.Pseudonym && a.Action == AuditActions.ErasureCompleted));
    }

    /// <summary>
    /// The pseudonymization proof, over every table of both databases as the EF model lists them (a new table is scanned
    /// without this test knowing it), every column read as text (PDFs as their words). Three rules:
    /// 1. a row that holds a name, address, e-mail or VAT id of the erased user lies in a table declared in
    ///    <see cref="NameHoldingArchives"/> (adding a table that keeps a name fails here until it is declared and separated);
    /// 2. such a row holds no erasure pseudonym, user id or request id, and no key of the other archive;
    /// 3. a row that holds the pseudonym, the user id or a request id (usage, processing records, audit entries, the
    ///    erasure job) holds no name value, invoice number or id, and no evidence reference.
    /// A column added later that copies a key across (say the pseudonym onto the evidence, the evidence reference onto
    /// the erasure job, a company name onto usage, or a link table pairing pseudonym and reference) puts both kinds of
    /// value into one row, and rule 2 or 3 fails naming the table and column.
    /// </summary>
    [Fact]
    public async Task Erase_EveryTableOfBothDatabases_NoRetainedRowLinksUsageToAName()
    {
        var erased = await EraseAsync(await SeedPartyAsync());
        var party = erased.Party;
        var reference = Reference(erased.Result);
        Assert.NotEmpty(erased.Invoices);
        string[] invoiceKeys = [.. erased.Invoices.Select(i => i.Number), .. erased.Invoices.Select(i => i.Id.ToString())];
        string[] usageKeys = [erased.Pseudonym, party.User.Id, party.RequestId];

        await using var db = await DbFactory.CreateDbContextAsync();
        var rows = await ScanAsync(db);
        var nameRows = new HashSet<string>();
        var usageRows = new HashSet<string>();
        foreach (var row in rows)
        {
            if (row.Holds(party.Names) is { } name)
            {
                Assert.True(NameHoldingArchives.TryGetValue(row.Table, out var archive), $"{row.Table}.{name.Column} holds '{name.Value}' after the erasure; only a declared, unlinked archive may keep a name");
                var otherArchiveKeys = archive == typeof(Invoice) ? [reference] : invoiceKeys;
                var link = row.Holds([.. usageKeys, .. otherArchiveKeys]);
                Assert.True(link is null, $"{row.Table}.{link?.Column} holds '{link?.Value}' next to the name '{name.Value}': it joins the archive to the pseudonymized records or to the other archive");
                nameRows.Add(row.Table);
            }
            if (row.Holds(usageKeys) is { } key)
            {
                var link = row.Holds([.. party.Names, .. invoiceKeys, reference]);
                Assert.True(link is null, $"{row.Table}.{link?.Column} holds '{link?.Value}' in a row keyed by '{key.Value}': it joins the pseudonymized usage to a name");
                usageRows.Add(row.Table);
            }
        }
        Assert.DoesNotContain(rows, r => r.Holds([party.User.Id]) is not null);
        // The evidence reference is printed on the certificate only; in the database it is the archive's own key.
        Assert.All(rows.Where(r => r.Holds([reference]) is not null), r => Assert.Equal("ContractEvidence", r.Table));
        // The scan is not vacuous: both sides of the separation are there.
        Assert.Superset(new HashSet<string> { "Invoices", "ContractEvidence" }, nameRows);
        Assert.Superset(new HashSet<string> { "UsageEvents", "ProcessingRecords", "AuditEntries", "ErasureJobs" }, usageRows);

        await using var keys = await factory.Services.GetRequiredService<IDbContextFactory<DataKeyDbContext>>().CreateDbContextAsync();
        var keyRows = await ScanAsync(keys);
        var keyHit = keyRows.Select(r => (r.Table, Hit: r.Holds([.. usageKeys, .. party.Names, reference]))).FirstOrDefault(r => r.Hit is not null);
        Assert.True(keyHit.Hit is null, $"the key database's {keyHit.Table}.{keyHit.Hit?.Column} still holds '{keyHit.Hit?.Value}'");
    }

    /// <summary>Tables that may keep a name after erasure, each separated from the pseudonymized records.</summary>
    private static readonly Dictionary<string, Type> NameHoldingArchives = new()
    {
        ["Invoices"] = typeof(Invoice), // tax law: as issued, § 147 AO, § 14b UStG; user id cleared (InvoiceArchive.Unlinked)
        ["ContractEvidence"] = typeof(ContractEvidence), // limitation period, §§ 195, 199 BGB; own reference
    };

    [Fact]
    public async Task Erase_NeverAcceptedDpaNorRecordedNotice_KeepsNoEvidenceAndCertificateSaysSo()
    {
        var party = await SeedPartyAsync(acceptDpa: false, withNotice: false);
        int before;
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            before = await db.ContractEvidence.CountAsync();
        }

        var erased = await EraseAsync(party);

        await using var check = await DbFactory.CreateDbContextAsync();
        Assert.Equal(before, await check.ContractEvidence.CountAsync());
        var text = Flat(PdfArtifacts.Text(erased.Result.Certificate));
        Assert.Contains("None is kept: this account accepted no data processing agreement and holds no privacy notice version.", text);
        Assert.DoesNotContain("evidence-", text);
        Assert.Contains("This certificate holds no personal data besides the reference.", text);
    }

    [Fact]
    public async Task Erase_NeverAcceptedDpa_KeepsOnlyTheNoticeVersion()
    {
        var erased = await EraseAsync(await SeedPartyAsync(acceptDpa: false));

        var evidence = await EvidenceAsync(Reference(erased.Result));

        var notice = Assert.Single(evidence);
        Assert.Equal(ContractEvidenceKinds.PrivacyNotice, notice.Kind);
        Assert.Null(notice.CompanyName);
        Assert.Null(notice.IpHash);
    }

    [Fact]
    public async Task Replay_ErasureInterruptedAfterContentStage_CompletesOnceAndNeverDuplicatesEvidence()
    {
        var party = await SeedPartyAsync();
        await factory.Services.GetRequiredService<PrivacyCenter>().AcceptDpaAsync(party.User.Id, party.Company, party.DpaAddress, party.VatId, "203.0.113.8");
        var eraser = factory.Services.GetRequiredService<AccountEraser>();
        var job = await eraser.BeginAsync(party.User.Id, party.User.Id, CancellationToken.None);
        await eraser.EraseContentAsync(job, CancellationToken.None);
        var replay = factory.Services.GetRequiredService<ErasureLedgerReplay>();

        // The ledger lists the account, which is still there: the replay finishes the same job.
        var first = await replay.ReplayLedgerAsync();
        var second = await replay.ReplayLedgerAsync();

        Assert.Equal(1, first.Accounts);
        Assert.Equal(0, second.Accounts);
        await using var db = await DbFactory.CreateDbContextAsync();
        var rows = await db.ContractEvidence.AsNoTracking().Where(e => e.CompanyName == party.Company).ToListAsync();
        Assert.Equal(2, rows.Count); // the two acceptances, once each
        var reference = Assert.Single(rows.Select(r => r.Reference).Distinct());
        Assert.Single(await db.ContractEvidence.Where(e => e.Reference == reference && e.Kind == ContractEvidenceKinds.PrivacyNotice).ToListAsync());
        Assert.Equal(ErasureStage.Completed, (await db.ErasureJobs.SingleAsync(j => j.Id == job.Id)).Stage);
        Assert.False(await db.DpaAcceptances.AnyAsync(d => d.UserId == party.User.Id));
    }

    [Theory]
    [InlineData("en", "Contract and consent evidence", "Data processing agreement version 2026-12 accepted on", "Art. 17(3)(e) GDPR", "3 years from the end of the year in which the contract ended with this erasure (§§ 195, 199 Abs. 1 BGB)", "yyyy-MM-dd", "Vertrags")]
    [InlineData("de", "Vertrags- und Einwilligungsnachweise", "Auftragsverarbeitungsvertrag Version 2026-12, angenommen am", "Art. 17 Abs. 3 lit. e DSGVO", "3 Jahre ab Ende des Jahres, in dem der Vertrag mit dieser Löschung endete (§§ 195, 199 Abs. 1 BGB)", "dd.MM.yyyy", "evidence (")]
    public async Task Certificate_InUsersLanguage_ListsEvidenceWhyUntilWhenAndHowItIsSeparated(string language, string heading, string dpa, string article, string period, string dateFormat, string otherLanguage)
    {
        var erased = await EraseAsync(await SeedPartyAsync(language));
        PdfArtifacts.Save(erased.Result.Certificate, $"deletion-certificate-evidence-{language}");
        var text = Flat(PdfArtifacts.Text(erased.Result.Certificate));
        var until = new DateTime(DateTime.UtcNow.Year + 3, 12, 31).ToString(dateFormat, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Contains(heading, text);
        Assert.Contains(dpa, text);
        Assert.Contains(erased.Party.Company, text);
        Assert.Contains(erased.Party.VatId, text);
        Assert.Contains(article, text);
        Assert.Contains(period, text);
        Assert.Contains(until, text);
        Assert.Contains(Reference(erased.Result), text);
        Assert.Contains(language == "de" ? "Das Archiv trägt weder obige Referenz noch Ihre Konto-ID" : "The archive carries neither the reference above nor your account id", text);
        Assert.DoesNotContain(otherLanguage, text);
        // The closing note no longer claims the certificate is free of personal data: it names the contracting party.
        Assert.Contains(language == "de" ? "außer den Referenzen und den oben genannten Vertragsnachweisen keine personenbezogenen Daten" : "no personal data besides the references and the contract evidence listed above", text);
    }

    [Fact]
    public async Task Purge_AfterTheLimitationPeriod_RemovesEvidenceNotBefore()
    {
        var erased = await EraseAsync(await SeedPartyAsync());
        var reference = Reference(erased.Result);
        var purger = factory.Services.GetRequiredService<RetentionPurger>();
        var lastDay = new DateTimeOffset(DateTime.UtcNow.Year + 3, 12, 31, 23, 0, 0, TimeSpan.Zero);

        await purger.PurgeAsync(lastDay);
        Assert.Equal(2, (await EvidenceAsync(reference)).Count);
        var counts = await purger.PurgeAsync(lastDay.AddHours(2));

        Assert.Empty(await EvidenceAsync(reference));
        Assert.True(counts["contractEvidence"] >= 2);
    }

    [Fact]
    public async Task Collect_ConfiguredRetentionYears_SetsTheEndOfThatYear()
    {
        Assert.Equal(3, factory.Services.GetRequiredService<IOptions<PrivacyOptions>>().Value.ContractEvidenceRetentionYears);
        var party = await SeedPartyAsync();
        var fiveYears = new ContractEvidenceArchive(Options.Create(new PrivacyOptions { ContractEvidenceRetentionYears = 5 }));
        await using var db = await DbFactory.CreateDbContextAsync();

        var evidence = await fiveYears.CollectAsync(db, party.User.Id, new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.Zero), CancellationToken.None);

        Assert.Equal(new DateTimeOffset(2032, 12, 31, 0, 0, 0, TimeSpan.Zero), evidence.RetainedUntil);
        Assert.Equal(2, evidence.Items.Count);
        Assert.Equal(0, await db.ContractEvidence.CountAsync(e => e.Reference == evidence.Reference)); // collecting writes nothing
    }

    [Fact]
    public async Task Export_LivingUser_ConsentsFileHoldsWhatErasureWouldKeep()
    {
        var owner = factory.CreateBrowserLikeClient();
        var user = await PrivacySeed.CreateAsync(factory, registerWith: owner);
        await factory.Services.GetRequiredService<PrivacyCenter>().AcceptDpaAsync(user.Id, "Zylinski Export GmbH", "Musterweg 1, 50667 Köln", "DE123456789", "203.0.113.9");
        var exports = factory.Services.GetRequiredService<DataExportService>();
        var requested = await exports.RequestAsync(user.Id);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await exports.ListAsync(user.Id)).Single(e => e.Id == requested.Id).Status is ExportStatus.Queued or ExportStatus.Running && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        using var zip = new ZipArchive(new MemoryStream(await owner.GetByteArrayAsync($"/privacy/exports/{requested.Id}/download")));
        using var consents = JsonDocument.Parse(zip.GetEntry("consents-and-dpa.json")!.Open());

        var root = consents.RootElement;
        var dpa = Assert.Single(root.GetProperty("dpaAcceptances").EnumerateArray());
        Assert.Equal("Zylinski Export GmbH", dpa.GetProperty("CompanyName").GetString());
        Assert.Equal("DE123456789", dpa.GetProperty("VatId").GetString());
        Assert.Equal(factory.Services.GetRequiredService<LegalDocuments>().PrivacyNoticeVersion, root.GetProperty("privacyNotice").GetProperty("version").GetString());
        Assert.Contains("3 years after the end of the erasure year (§§ 195, 199 Abs. 1 BGB)", root.GetProperty("keptAfterErasure").GetString());
        Assert.Contains("a company organization that outlives the account stays with that organization, without your account id and IP hash", root.GetProperty("keptAfterErasure").GetString());
    }

    [Theory]
    [InlineData("en", "DPA acceptances and the privacy notice version: after account erasure 3 years from the end of that year (§§ 195, 199 Abs. 1 BGB), as contract evidence in an archive not linked to the usage or the invoices.")]
    [InlineData("de", "AVV-Annahmen und die Version der Datenschutzhinweise: nach Kontolöschung 3 Jahre ab Ende dieses Jahres (§§ 195, 199 Abs. 1 BGB), als Vertragsnachweis in einem weder mit der Nutzung noch mit den Rechnungen verknüpften Archiv.")]
    public async Task AccessReportAndRegister_Retention_StateTheEvidencePeriodAndItsSource(string language, string sentence)
    {
        var party = await SeedPartyAsync(language);
        await using var db = await DbFactory.CreateDbContextAsync();
        var account = await db.Users.SingleAsync(u => u.Id == party.User.Id);

        var report = Flat(PdfArtifacts.Text(factory.Services.GetRequiredService<AccessReportWriter>().Write(account, new Dictionary<string, int>(), DateTimeOffset.UtcNow)));
        var activities = factory.Services.GetRequiredService<ProcessingActivities>().Describe(new PromptLeo.Web.Features.Reports.ReportText(language));

        Assert.Contains(sentence, report);
        var dpa = Assert.Single(activities, a => a.Kind == RegisterActivity.AgreementsAndConsents);
        Assert.Contains("3", dpa.Deletion);
        Assert.Contains(ContractEvidenceArchive.LegalSource, dpa.Deletion);
    }

    [Fact]
    public async Task EraseAccountPage_BeforeErasure_StatesTheEvidenceKeptAndItsPeriod()
    {
        var party = await SeedPartyAsync();
        var client = factory.CreateBrowserLikeClient();
        await PortalSession.LoginAsync(client, party.User.Email, party.User.Password);

        var html = System.Net.WebUtility.HtmlDecode(await client.GetStringAsync("/privacy/erase"));

        Assert.Contains("are kept as proof of the contract for 3 years from the end of this year (§§ 195, 199 BGB), under a reference of their own that is linked neither to the usage records nor to the invoices.", html);
    }

    [Fact]
    public void Register_NoActivity_RestsOnConsent()
    {
        foreach (var language in new[] { "en", "de" })
        {
            var activities = factory.Services.GetRequiredService<ProcessingActivities>().Describe(new PromptLeo.Web.Features.Reports.ReportText(language));

            Assert.DoesNotContain(activities, a => a.Purpose.Contains("6(1)(a)") || a.Purpose.Contains("lit. a"));
        }
    }

    private static string Flat(string text) => Regex.Replace(text, @"\s+", " ");

    /// <summary>One row of a table, every column as text.</summary>
    private sealed record ScannedRow(string Table, IReadOnlyList<(string Column, string Text)> Cells)
    {
        public (string Column, string Value)? Holds(IEnumerable<string> values)
        {
            foreach (var value in values.Where(v => !string.IsNullOrEmpty(v)))
            {
                foreach (var (column, text) in Cells)
                {
                    if (text.Contains(value, StringComparison.OrdinalIgnoreCase))
                    {
                        return (column, value);
                    }
                }
            }
            return null;
        }
    }

    /// <summary>Every table the EF model maps, every column (SELECT *), so a column added later is read too.</summary>
    private static async Task<List<ScannedRow>> ScanAsync(DbContext db)
    {
        var tables = db.Model.GetEntityTypes().Where(e => !e.IsOwned()).Select(e => e.GetTableName()).OfType<string>().Distinct().ToList();
        Assert.NotEmpty(tables);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var rows = new List<ScannedRow>();
        foreach (var table in tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\""; // names come from the EF model
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var cells = new List<(string, string)>();
                for (var column = 0; column < reader.FieldCount; column++)
                {
                    cells.Add((reader.GetName(column), DatabaseScan.CellText(reader.GetValue(column))));
                }
                rows.Add(new ScannedRow(table, cells));
            }
        }
        return rows;
    }
}
