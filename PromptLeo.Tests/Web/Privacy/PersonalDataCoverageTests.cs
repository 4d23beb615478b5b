using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.SubProcessors;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Organizations;
using PromptLeo.Web.Features.Privacy;
using static PromptLeo.Tests.Web.Api.ChatCompletionsApiTests;

namespace PromptLeo.Tests.Web.Privacy;

/// <summary>
/// Every entity that holds user data must be covered by erasure: Privacy itself, or a feature's
/// <see cref="IErasureParticipant"/>. The entities are read from the EF model, so a new one is found without this test
/// knowing it: it must hold a row of the seeded user (seed it here), and after the erasure no row may point to them.
/// </summary>
public sealed class PersonalDataCoverageTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    /// <summary>Columns that name a person.</summary>
    private static readonly string[] PersonColumns = ["UserId", "SubjectId", "ActorId", "InvitedBy", "PersonalOwnerId"];

    /// <summary>The account and Identity's own rows: they go in the last stage, with the user row.</summary>
    private static readonly string[] ErasedWithTheAccountRow =
        [nameof(ApplicationUser), "IdentityUserClaim`1", "IdentityUserLogin`1", "IdentityUserToken`1", "IdentityUserRole`1", "IdentityUserPasskey`1"];

    /// <summary>Invoices and DPA acceptances stay under the account until the certificate has named them; they go to their unlinked archives in the last stage (the invoice has no foreign key, so no cascade can hide a missing step; ContractEvidenceTests proves the acceptances arrive).</summary>
    private static readonly string[] ArchivedWithTheAccountRow = [nameof(Invoice), nameof(DpaAcceptance)];

    /// <summary>Written by the erasure itself, so there is none before it; afterwards it names only the pseudonym.</summary>
    private static readonly Type[] CreatedByErasure = [typeof(ErasureJob)];

    /// <summary>An organization's configuration names no person; it goes with its organization (asserted below for the company the user was alone in).</summary>
    private static readonly Type[] OrganizationConfiguration = [typeof(OrganizationSso)];

    [Fact]
    public async Task Erasure_LeavesNoRowOfTheUser_InAnyEntityThatHoldsUserData()
    {
        var user = await SeedEverythingAsync();
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var probes = UserDataProbes(db.Model).Where(p => !OrganizationConfiguration.Contains(p.Entity.ClrType)).ToList();
        var aloneIn = await db.OrganizationMembers.Where(m => m.UserId == user.Id && db.OrganizationSso.Any(s => s.OrganizationId == m.OrganizationId)).Select(m => m.OrganizationId).SingleAsync();
        Assert.Contains(probes, p => p.Entity.ClrType == typeof(ConversationMessage));
        var rowsBefore = new Dictionary<string, List<string>>();
        foreach (var probe in probes)
        {
            var rows = await probe.RowsAsync(db, user.Id);
            if (!CreatedByErasure.Contains(probe.Entity.ClrType))
            {
                Assert.True(rows.Count > 0, $"{probe.Name} holds user data but the seed has no row in it: seed it here, then cover it in an IErasureParticipant.");
            }
            rowsBefore[probe.Name] = rows;
        }

        // Checked after the content stage, before the account row goes: a cascade from the user row must not hide a missing participant.
        var eraser = factory.Services.GetRequiredService<AccountEraser>();
        var job = await eraser.BeginAsync(user.Id, user.Id, CancellationToken.None);
        await eraser.EraseContentAsync(job, CancellationToken.None);
        foreach (var probe in probes.Where(p => !ErasedWithTheAccountRow.Contains(p.Entity.ClrType.Name) && !ArchivedWithTheAccountRow.Contains(p.Entity.ClrType.Name) && !CreatedByErasure.Contains(p.Entity.ClrType)))
        {
            Assert.True((await probe.RowsAsync(db, user.Id)).Count == 0, $"{probe.Name} still holds rows of the user after the content stage: no IErasureParticipant deletes or pseudonymizes them.");
        }
        await eraser.ContinueAsync(job.Id);

        foreach (var probe in probes)
        {
            Assert.True((await probe.RowsAsync(db, user.Id)).Count == 0, $"{probe.Name} still holds rows of the erased user: no IErasureParticipant deletes or pseudonymizes them.");
            Assert.True(await probe.CountKeysAsync(db, rowsBefore[probe.Name]) == 0 || probe.PseudonymizedInPlace,
                $"{probe.Name}: rows of the erased user survived the erasure.");
        }
        Assert.False(await db.OrganizationSso.AnyAsync(s => s.OrganizationId == aloneIn), "the SSO settings of an organization deleted with its only member survived the erasure");
    }

    /// <summary>One entity with a column naming a person, or one owned through a foreign key by such an entity.</summary>
    private sealed record Probe(string Name, IEntityType Entity, string Sql, string KeyColumn, bool PseudonymizedInPlace)
    {
        public async Task<List<string>> RowsAsync(AppDbContext db, string userId) =>
            await db.Database.SqlQueryRaw<string>(Sql, userId).ToListAsync();

        public async Task<int> CountKeysAsync(AppDbContext db, List<string> keys)
        {
            var count = 0;
            // Table and column names come from the EF model, the key is a parameter.
            var sql = $"SELECT COUNT(*) AS \"Value\" FROM \"{Entity.GetTableName()}\" WHERE CAST(\"{KeyColumn}\" AS TEXT) = {{0}}";
            foreach (var key in keys)
            {
                count += await db.Database.SqlQueryRaw<int>(sql, key).SingleAsync();
            }
            return count;
        }
    }

    private static IEnumerable<Probe> UserDataProbes(IModel model)
    {
        var direct = new Dictionary<IEntityType, string>();
        // Owned types live in their owner's table (or JSON column) and go with the owner's row.
        foreach (var entity in model.GetEntityTypes().Where(e => !e.IsOwned()))
        {
            var table = entity.GetTableName()!;
            var key = entity.FindPrimaryKey()!.Properties.Count == 1 ? entity.FindPrimaryKey()!.Properties[0].GetColumnName() : null;
            if (entity.ClrType == typeof(ApplicationUser))
            {
                direct[entity] = $"SELECT CAST(\"Id\" AS TEXT) AS \"Value\" FROM \"{table}\" WHERE \"Id\" = {{0}}";
                yield return new Probe(table, entity, direct[entity], "Id", false);
                continue;
            }
            var columns = entity.GetProperties().Where(p => PersonColumns.Contains(p.Name)).Select(p => p.GetColumnName()).ToList();
            if (columns.Count == 0)
            {
                continue;
            }
            var where = string.Join(" OR ", columns.Select(c => $"\"{c}\" = {{0}}"));
            // Rows kept under a legal duty are pseudonymized, not deleted: their keys survive, the person column does not.
            var selectKey = key is null ? "'composite'" : $"CAST(\"{key}\" AS TEXT)";
            direct[entity] = $"SELECT {selectKey} AS \"Value\" FROM \"{table}\" WHERE {where}";
            yield return new Probe(table, entity, direct[entity], key ?? columns[0], PseudonymizedInPlace: key is not null);
        }
        foreach (var entity in model.GetEntityTypes().Where(e => !e.IsOwned() && !direct.ContainsKey(e)))
        {
            foreach (var foreignKey in entity.GetForeignKeys().Where(f => direct.ContainsKey(f.PrincipalEntityType) && f.PrincipalEntityType.ClrType != typeof(ApplicationUser)))
            {
                var principal = foreignKey.PrincipalEntityType;
                var key = entity.FindPrimaryKey()!.Properties[0].GetColumnName();
                var fk = foreignKey.Properties[0].GetColumnName();
                var principalKey = foreignKey.PrincipalKey.Properties[0].GetColumnName();
                var principalWhere = string.Join(" OR ", principal.GetProperties().Where(p => PersonColumns.Contains(p.Name)).Select(p => $"\"{p.GetColumnName()}\" = {{0}}"));
                var sql = $"SELECT CAST(\"{key}\" AS TEXT) AS \"Value\" FROM \"{entity.GetTableName()}\" WHERE \"{fk}\" IN (SELECT \"{principalKey}\" FROM \"{principal.GetTableName()}\" WHERE {principalWhere})";
                yield return new Probe(entity.GetTableName()!, entity, sql, key, false);
            }
        }
    }

    /// <summary>A user with a row in every table that can hold user data, written through the real features where they exist.</summary>
    private async Task<SeededUser> SeedEverythingAsync()
    {
        var user = await PrivacySeed.CreateAsync(factory);
        var services = factory.Services;
        await using (var scope = services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var account = (await users.FindByIdAsync(user.Id))!;
            Assert.True((await users.AddClaimAsync(account, new Claim("test-claim", "x"))).Succeeded);
            Assert.True((await users.AddLoginAsync(account, new UserLoginInfo("test-provider", Guid.NewGuid().ToString("N"), "Test"))).Succeeded);
            Assert.True((await users.ResetAuthenticatorKeyAsync(account)).Succeeded);
            var passkey = new UserPasskeyInfo(Guid.NewGuid().ToByteArray(), [1, 2, 3], DateTimeOffset.UtcNow, 0, ["internal"], true, false, false, [4], [5]);
            Assert.True((await users.AddOrUpdatePasskeyAsync(account, passkey)).Succeeded);
            if (!await users.IsInRoleAsync(account, "User"))
            {
                Assert.True((await users.AddToRoleAsync(account, "User")).Succeeded);
            }
        }
        // A signed-in browser: its session row (device, network, region).
        var login = await PortalSession.LoginAsync(factory.CreateBrowserLikeClient(), user.Email, user.Password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var key = await factory.CreateKeyAsync(user.Id);
        var response = await factory.ClientWithKey(key.Secret).PostAsync("/v1/chat/completions",
            Json(new { model = ApiPortalFactory.ChatModel, max_tokens = 4, messages = new[] { new { role = "user", content = "hi" } } }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await factory.SetBudgetAsync(user.Id, 50m);
        await using (var ledger = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            // Enough to make a whole-cent invoice; the API call's own amount rounds to nothing.
            ledger.UsageEvents.Add(new UsageEvent { OrganizationId = await factory.Services.GetRequiredService<PromptLeo.Web.Features.Organizations.OrganizationDirectory>().PersonalIdAsync(user.Id), UserId = user.Id, ModelId = ApiPortalFactory.ChatModel, Kind = "chat", OutputTokens = 1000, AmountMicros = 5_000_000, RequestId = "req_coverage", At = DateTimeOffset.UtcNow });
            await ledger.SaveChangesAsync();
        }
        var invoice = await services.GetRequiredService<InvoiceIssuer>().IssueAsync(user.Id, UsageLedger.MonthStart(DateTimeOffset.UtcNow));
        Assert.NotNull(invoice);
        // The export runs to its end first: an erasure under a running export is another test's subject.
        var exports = services.GetRequiredService<DataExportService>();
        var export = await exports.RequestAsync(user.Id);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await exports.ListAsync(user.Id)).Single(e => e.Id == export.Id).Status is ExportStatus.Queued or ExportStatus.Running && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Equal(ExportStatus.Completed, (await exports.ListAsync(user.Id)).Single(e => e.Id == export.Id).Status);
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        db.CreditTransactions.Add(new CreditTransaction { UserId = user.Id, AmountMicros = Money.FromEuro(5m), Reference = "top-up", At = DateTimeOffset.UtcNow });
        db.Payments.Add(new Payment { UserId = user.Id, AmountMicros = Money.FromEuro(5m), Status = PaymentStatus.Booked, SessionId = "cs_seed", CreatedAt = DateTimeOffset.UtcNow, BookedAt = DateTimeOffset.UtcNow });
        db.DpaAcceptances.Add(new DpaAcceptance { UserId = user.Id, Version = "1", IpHash = "00", CompanyName = "Zylinski GmbH", CompanyAddress = "Köln" });
        // A knowledge collection with a document and a chunk (the rows alone: KnowledgeServiceTests ingests real files).
        var collection = new KnowledgeCollection { UserId = user.Id, NameCipher = [1], EmbeddingModelId = "demo-embedding" };
        var document = new KnowledgeDocument { CollectionId = collection.Id, UserId = user.Id, FileNameCipher = [1], StoredFileName = "knowledge-coverage.bin", Status = PromptLeo.Web.Features.Knowledge.KnowledgeDocumentStatus.Ready };
        db.KnowledgeCollections.Add(collection);
        db.KnowledgeDocuments.Add(document);
        db.KnowledgeChunks.Add(new KnowledgeChunk { DocumentId = document.Id, CollectionId = collection.Id, UserId = user.Id, TextCipher = [1], VectorCipher = [1], MetaCipher = [1] });
        // A request still running when the erasure starts holds an open budget reservation.
        db.UsageReservations.Add(new UsageReservation { OrganizationId = await factory.PersonalOrganizationAsync(user.Id), UserId = user.Id, AmountMicros = 1, Node = "coverage", CreatedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(5) });
        await db.SaveChangesAsync();
        // A customer with a DPA is notified of a sub-processor change and objects to it.
        var announced = await services.GetRequiredService<SubProcessorChanges>().AnnounceAsync("admin", SubProcessorChangeKind.Addition, null,
            new SubProcessorInput("Coverage GmbH", null, "Backup", "Germany", true, null), "https://portal.example/privacy/dpa");
        Assert.Equal(ObjectionOutcome.Recorded, await services.GetRequiredService<SubProcessorChanges>().ObjectAsync(user.Id, announced.ChangeId!.Value, "coverage"));
        // A company organization the user founded, with an invitation they sent (the personal one exists since the key).
        var organization = await services.GetRequiredService<OrganizationDirectory>().CreateAsync(user.Id, new OrganizationDetails("Coverage GmbH", null, null, null, "DE", null, "de"));
        db.OrganizationInvitations.Add(new OrganizationInvitation { OrganizationId = organization, Email = "INVITEE@PROMPTLEO.TEST", InvitedBy = user.Id, TokenHash = [1, 2, 3], ExpiresAt = DateTimeOffset.UtcNow.AddDays(7) });
        db.OrganizationSso.Add(new OrganizationSso { OrganizationId = organization, Authority = "https://login.example", ClientId = "coverage", Domains = ["coverage.example"], Enabled = true });
        await db.SaveChangesAsync();
        return user;
    }
}
