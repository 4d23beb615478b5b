using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.ApiKeys;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Organizations;
using static PromptLeo.Tests.Web.Api.ChatCompletionsApiTests;

namespace PromptLeo.Tests.Web.Organizations;

/// <summary>A company organization with an owner and members, built through the services (the invitation flow is tested elsewhere).</summary>
public sealed record TestOrganization(Guid Id, string Owner, IReadOnlyDictionary<string, string> Members);

/// <summary>Budgets, keys, credit and prices of an organization, through /v1 with the real demo chat model.</summary>
public abstract class OrganizationBudgetTests<TPortal>(TPortal factory) : IClassFixture<TPortal>
    where TPortal : ApiPortalFactory
{
    private static readonly object SmallChat = new { model = ApiPortalFactory.ChatModel, max_tokens = 2, messages = new[] { new { role = "user", content = "hi" } } };

    private OrganizationDirectory Directory => factory.Services.GetRequiredService<OrganizationDirectory>();

    private BillingAccounts Accounts => factory.Services.GetRequiredService<BillingAccounts>();

    private ApiKeyService Keys => factory.Services.GetRequiredService<ApiKeyService>();

    private Task<AppDbContext> DbAsync() => factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    /// <summary>An owner's company organization with one member per role given; each acts for it in the portal.</summary>
    internal static async Task<TestOrganization> CreateOrganizationAsync(ApiPortalFactory factory, params (string Name, OrganizationRole Role)[] members)
    {
        var directory = factory.Services.GetRequiredService<OrganizationDirectory>();
        var ownerEmail = $"owner-{Guid.NewGuid():N}@promptleo.test";
        var owner = await factory.CreateUserAsync(ownerEmail);
        var id = await directory.CreateAsync(owner, new OrganizationDetails($"Muster {Guid.NewGuid():N}"[..20] + " GmbH", "Hauptstr. 1", "10115", "Berlin", "DE", null, "en"));
        Assert.True(await directory.SetActiveAsync(owner, id));
        var ids = new Dictionary<string, string>();
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        foreach (var (name, role) in members)
        {
            var userId = await factory.CreateUserAsync($"{name.ToLowerInvariant()}-{Guid.NewGuid():N}@promptleo.test");
            db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = id, UserId = userId, Role = role });
            await db.SaveChangesAsync();
            Assert.True(await directory.SetActiveAsync(userId, id));
            ids[name] = userId;
        }
        return new TestOrganization(id, owner, ids);
    }

    private async Task SetMemberBudgetAsync(Guid organizationId, string userId, long? micros)
    {
        await using var db = await DbAsync();
        await db.OrganizationMembers.Where(m => m.OrganizationId == organizationId && m.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(m => m.MonthlyBudgetMicros, micros));
    }

    private async Task<long> SpentAsync(Guid organizationId, string? userId = null)
    {
        await using var db = await DbAsync();
        return await db.UsageEvents.Where(u => u.OrganizationId == organizationId && (userId == null || u.UserId == userId)).SumAsync(u => u.AmountMicros);
    }

    private static async Task<string> RefusalAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("budget_exceeded", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        return json.RootElement.GetProperty("error").GetProperty("message").GetString()!;
    }

    [Fact]
    public async Task MemberKeys_StopAtTheMemberBudget_ThenTheOrganizationStopsAtItsOwn()
    {
        var org = await CreateOrganizationAsync(factory, ("A", OrganizationRole.Member), ("B", OrganizationRole.Member));
        var a = factory.ClientWithKey((await factory.CreateKeyAsync(org.Members["A"])).Secret);
        var keyB = await factory.CreateKeyAsync(org.Members["B"]);
        var b = factory.ClientWithKey(keyB.Secret);
        var owner = factory.ClientWithKey((await factory.CreateKeyAsync(org.Owner)).Secret);
        Assert.Equal(HttpStatusCode.OK, (await a.PostAsync("/v1/chat/completions", Json(SmallChat))).StatusCode);

        // A's budget is what A has spent: A stops, B goes on.
        await SetMemberBudgetAsync(org.Id, org.Members["A"], await SpentAsync(org.Id, org.Members["A"]));
        Assert.Contains("your monthly budget in this organization", await RefusalAsync(await a.PostAsync("/v1/chat/completions", Json(SmallChat))));
        Assert.Equal(HttpStatusCode.OK, (await b.PostAsync("/v1/chat/completions", Json(SmallChat))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await b.PostAsync("/v1/chat/completions", Json(SmallChat))).StatusCode);

        // The organization's budget is what all have spent: everyone stops, the owner too.
        await Accounts.SaveSettingsAsync(org.Owner, org.Id, BillingMode.Postpaid, Money.ToEuro(await SpentAsync(org.Id)));
        Assert.Contains("monthly budget of the organization", await RefusalAsync(await b.PostAsync("/v1/chat/completions", Json(SmallChat))));
        Assert.Contains("monthly budget of the organization", await RefusalAsync(await owner.PostAsync("/v1/chat/completions", Json(SmallChat))));

        // Usage is attributed to both the key and the member, and billed to the organization.
        var events = await factory.UsageEventsAsync(org.Members["B"]);
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal((org.Id, (Guid?)keyB.Key.Id), (e.OrganizationId, e.ApiKeyId)));
        // The member's personal organization is not charged and not capped.
        Assert.Equal(0, await SpentAsync(await factory.PersonalOrganizationAsync(org.Members["A"])));
    }

    [Fact]
    public async Task KeyBudget_InAnOrganization_RefusalNamesTheKey()
    {
        var org = await CreateOrganizationAsync(factory, ("A", OrganizationRole.Member));
        var capped = await factory.CreateKeyAsync(org.Members["A"], budgetEur: 0m);

        Assert.Contains("monthly budget of this API key", await RefusalAsync(await factory.ClientWithKey(capped.Secret).PostAsync("/v1/chat/completions", Json(SmallChat))));
    }

    [Theory]
    [InlineData(BudgetLimit.Organization)]
    [InlineData(BudgetLimit.Member)]
    [InlineData(BudgetLimit.ApiKey)]
    [InlineData(BudgetLimit.PrepaidCredit)]
    public async Task ParallelReservations_OneCapEach_NeverOverspendItAndNameIt(BudgetLimit limit)
    {
        var org = await CreateOrganizationAsync(factory, ("A", OrganizationRole.Member), ("B", OrganizationRole.Member));
        const string model = "parallel-model";
        // 1000 EUR per million tokens: a request of 100 + 100 tokens costs 0.20 EUR; every cap is 1 EUR (five requests).
        await factory.Services.GetRequiredService<PriceList>().SetAsync(org.Id, model, 1000m, 1000m, 0m, "test-admin");
        var key = await factory.CreateKeyAsync(org.Members["A"], budgetEur: limit == BudgetLimit.ApiKey ? 1m : null);
        switch (limit)
        {
            case BudgetLimit.Organization:
                await Accounts.SaveSettingsAsync(org.Owner, org.Id, BillingMode.Postpaid, 1m);
                break;
            case BudgetLimit.Member:
                await SetMemberBudgetAsync(org.Id, org.Members["A"], Money.FromEuro(1m));
                break;
            case BudgetLimit.PrepaidCredit:
                await Accounts.SaveSettingsAsync(org.Owner, org.Id, BillingMode.Prepaid, null);
                await Accounts.TopUpAsync(org.Id, 1m, "admin", "test-admin");
                break;
        }
        var meter = factory.Services.GetRequiredService<IUsageMeter>();
        var refusals = new System.Collections.Concurrent.ConcurrentBag<BudgetLimit>();

        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            // Members A and B alternate for the shared caps; the member and key caps are A's (with A's key).
            var userId = limit is BudgetLimit.Member or BudgetLimit.ApiKey || i % 2 == 0 ? org.Members["A"] : org.Members["B"];
            var estimate = new UsageEstimate(userId, limit == BudgetLimit.ApiKey ? key.Key.Id.ToString() : null, model, UsageKind.Chat, $"par-{limit}-{i}", InputTokens: 100, MaxOutputTokens: 100)
            { OrganizationId = org.Id };
            try
            {
                await using var reservation = await meter.ReserveAsync(estimate);
                await using var db = await DbAsync();
                reservation.Settle(db, new UsageActual(InputTokens: 100, OutputTokens: 100));
                await db.SaveChangesAsync();
            }
            catch (BudgetExceededException refused)
            {
                refusals.Add(refused.Limit);
            }
        })));

        Assert.Equal(11, refusals.Count);
        Assert.All(refusals, r => Assert.Equal(limit, r));
        Assert.Equal(Money.FromEuro(1m), await SpentAsync(org.Id));
        if (limit == BudgetLimit.PrepaidCredit)
        {
            Assert.Equal(0, await Accounts.BalanceAsync(org.Id));
        }
    }

    [Fact]
    public async Task PrepaidOrganization_CreditIsSharedByMembers_AndBookedPerOrganization()
    {
        var org = await CreateOrganizationAsync(factory, ("A", OrganizationRole.Member), ("B", OrganizationRole.Member));
        var a = factory.ClientWithKey((await factory.CreateKeyAsync(org.Members["A"])).Secret);
        var b = factory.ClientWithKey((await factory.CreateKeyAsync(org.Members["B"])).Secret);
        await Accounts.SaveSettingsAsync(org.Owner, org.Id, BillingMode.Prepaid, null);
        Assert.Contains("prepaid credit of the organization", await RefusalAsync(await a.PostAsync("/v1/chat/completions", Json(SmallChat))));

        // A site admin books credit to the organization; both members spend from it.
        await Accounts.TopUpAsync(org.Id, 5m, "admin:test-admin", "test-admin");
        Assert.Equal(HttpStatusCode.OK, (await a.PostAsync("/v1/chat/completions", Json(SmallChat))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await b.PostAsync("/v1/chat/completions", Json(SmallChat))).StatusCode);

        Assert.Equal(Money.FromEuro(5m) - await SpentAsync(org.Id), await Accounts.BalanceAsync(org.Id));
        Assert.True(await SpentAsync(org.Id, org.Members["B"]) > 0);
        Assert.Equal(0, await Accounts.BalanceAsync(await factory.PersonalOrganizationAsync(org.Members["A"])));
        await using var db = await DbAsync();
        Assert.True(await db.AuditEntries.AnyAsync(e => e.OrganizationId == org.Id && e.Action == OrganizationAuditActions.CreditBooked && e.ActorId == "test-admin"));
        var credit = await db.CreditTransactions.SingleAsync(c => c.OrganizationId == org.Id);
        Assert.Equal(Money.FromEuro(5m), credit.AmountMicros);
    }

    [Fact]
    public async Task AdminSetsBillingMode_PerOrganization_Audited()
    {
        var org = await CreateOrganizationAsync(factory);

        await Accounts.SetModeAsync("site-admin", org.Id, BillingMode.Prepaid);

        Assert.Equal(BillingMode.Prepaid, (await Accounts.GetAsync(org.Id)).Mode);
        Assert.Equal(BillingMode.Postpaid, (await Accounts.GetAsync(await factory.PersonalOrganizationAsync(org.Owner))).Mode);
        await using var db = await DbAsync();
        Assert.True(await db.AuditEntries.AnyAsync(e => e.OrganizationId == org.Id && e.Action == OrganizationAuditActions.BillingModeChanged && e.ActorId == "site-admin"));
    }

    [Fact]
    public async Task OrganizationBudget_OnlyOwnersAndBillingMembersSetIt()
    {
        var org = await CreateOrganizationAsync(factory, ("Member", OrganizationRole.Member), ("Admin", OrganizationRole.Admin), ("Billing", OrganizationRole.Billing));

        await Assert.ThrowsAsync<OrganizationRoleRefusedException>(() => Accounts.SaveSettingsAsync(org.Members["Member"], org.Id, BillingMode.Postpaid, 1m));
        await Assert.ThrowsAsync<OrganizationRoleRefusedException>(() => Accounts.SaveSettingsAsync(org.Members["Admin"], org.Id, BillingMode.Postpaid, 1m));
        var stranger = await factory.CreateUserAsync();
        await Assert.ThrowsAsync<OrganizationRoleRefusedException>(() => Accounts.SaveSettingsAsync(stranger, org.Id, BillingMode.Postpaid, 1m));
        Assert.Null((await Accounts.GetAsync(org.Id)).MonthlyBudgetMicros);

        await Accounts.SaveSettingsAsync(org.Members["Billing"], org.Id, BillingMode.Postpaid, 12.5m);

        Assert.Equal(Money.FromEuro(12.5m), (await Accounts.GetAsync(org.Id)).MonthlyBudgetMicros);
        await using var db = await DbAsync();
        Assert.True(await db.AuditEntries.AnyAsync(e => e.OrganizationId == org.Id && e.Action == OrganizationAuditActions.BudgetChanged && e.ActorId == org.Members["Billing"]));
    }

    [Fact]
    public async Task ApiKeys_BillingRoleIsRefused_MembersSeeTheirOwn_OwnersAndAdminsManageAll()
    {
        var org = await CreateOrganizationAsync(factory, ("Member", OrganizationRole.Member), ("Other", OrganizationRole.Member), ("Admin", OrganizationRole.Admin), ("Billing", OrganizationRole.Billing));
        var refused = await Assert.ThrowsAsync<OrganizationRoleRefusedException>(() => factory.CreateKeyAsync(org.Members["Billing"]));
        Assert.Contains("(Billing) cannot create API keys", refused.Message);
        var mine = await factory.CreateKeyAsync(org.Members["Member"]);
        var other = await factory.CreateKeyAsync(org.Members["Other"]);

        var memberView = await Keys.ListForActiveAsync(org.Members["Member"]);
        Assert.Equal([mine.Key.Id], memberView.Keys.Select(k => k.Id));
        Assert.False(memberView.ManagesAll);
        Assert.False(await Keys.RevokeAsync(org.Members["Member"], other.Key.Id));
        await Assert.ThrowsAsync<OrganizationRoleRefusedException>(() => Keys.SetBudgetAsync(org.Members["Member"], other.Key.Id, 1m));

        var adminView = await Keys.ListForActiveAsync(org.Members["Admin"]);
        Assert.True(adminView.ManagesAll);
        Assert.Equal([mine.Key.Id, other.Key.Id], adminView.Keys.Select(k => k.Id).Order());
        Assert.Contains("@promptleo.test", adminView.Keys.Single(k => k.Id == other.Key.Id).Creator);
        await Keys.SetBudgetAsync(org.Members["Admin"], other.Key.Id, 3m);
        Assert.True(await Keys.RevokeAsync(org.Owner, mine.Key.Id));

        await using var db = await DbAsync();
        Assert.Equal(Money.FromEuro(3m), await db.ApiKeys.Where(k => k.Id == other.Key.Id).Select(k => k.MonthlyBudgetMicros).SingleAsync());
        Assert.NotNull(await db.ApiKeys.Where(k => k.Id == mine.Key.Id).Select(k => k.RevokedAt).SingleAsync());
        Assert.True(await db.AuditEntries.AnyAsync(e => e.OrganizationId == org.Id && e.Action == OrganizationAuditActions.ApiKeyRevoked && e.ActorId == org.Owner));
        Assert.True(await db.AuditEntries.AnyAsync(e => e.OrganizationId == org.Id && e.Action == OrganizationAuditActions.ApiKeyBudgetChanged && e.ActorId == org.Members["Admin"]));
    }

    [Fact]
    public async Task FormerMember_KeysAndUsage_ShownWithoutNameOrEmail()
    {
        var org = await CreateOrganizationAsync(factory, ("Leaver", OrganizationRole.Member), ("Stayer", OrganizationRole.Member));
        var leaverKey = await factory.CreateKeyAsync(org.Members["Leaver"]);
        Assert.Equal(HttpStatusCode.OK, (await factory.ClientWithKey(leaverKey.Secret).PostAsync("/v1/chat/completions", Json(SmallChat))).StatusCode);
        await using (var db = await DbAsync())
        {
            await db.OrganizationMembers.Where(m => m.OrganizationId == org.Id && m.UserId == org.Members["Leaver"]).ExecuteDeleteAsync();
        }

        var reports = factory.Services.GetRequiredService<UsageReports>();
        var monthStart = UsageLedger.MonthStart(DateTimeOffset.UtcNow);
        var events = await reports.EventsAsync(org.Id, null, monthStart, monthStart.AddMonths(1));
        var usage = await reports.OrganizationAsync(org.Id, events);

        var former = Assert.Single(usage.PerMember);
        Assert.Null(former.Member);
        Assert.True(former.AmountMicros > 0 && former.InputTokens > 0);
        Assert.Null(usage.PerKey.Single(k => k.ApiKeyId == leaverKey.Key.Id).Creator);
        Assert.Null((await Keys.ListForActiveAsync(org.Owner)).Keys.Single(k => k.Id == leaverKey.Key.Id).Creator);
    }

    [Fact]
    public async Task ContractedPrices_ChargeOnlyThatOrganization_AndUsageKeepsThePriceRow()
    {
        var org = await CreateOrganizationAsync(factory, ("A", OrganizationRole.Member));
        var prices = factory.Services.GetRequiredService<PriceList>();
        var contracted = await prices.SetAsync(org.Id, ApiPortalFactory.ChatModel, 7m, 9m, 0m, "site-admin");
        var again = await prices.SetAsync(org.Id, ApiPortalFactory.ChatModel, 8m, 10m, 0m, "site-admin");
        var client = factory.ClientWithKey((await factory.CreateKeyAsync(org.Members["A"])).Secret);

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Json(SmallChat))).StatusCode);

        var charged = Assert.Single(await factory.UsageEventsAsync(org.Members["A"]));
        Assert.Equal((again.Id, Money.FromEuro(8m), Money.FromEuro(10m)), (charged.PriceId, charged.InputMicrosPerMillionTokens, charged.OutputMicrosPerMillionTokens));
        Assert.Equal((1, 2), (contracted.Version, again.Version));
        // Another organization and the public list are untouched.
        Assert.DoesNotContain(await prices.ListCurrentAsync(), p => p.OrganizationId == org.Id);
        await using var db = await DbAsync();
        var elsewhere = await prices.GetCurrentAsync(db, await factory.PersonalOrganizationAsync(org.Owner), ApiPortalFactory.ChatModel);
        Assert.NotEqual(again.Id, elsewhere.Id);
        var effective = await prices.ListEffectiveAsync(org.Id);
        Assert.Equal(again.Id, effective.Single(p => p.ModelId == ApiPortalFactory.ChatModel).Id);
        Assert.True(await db.AuditEntries.AnyAsync(e => e.OrganizationId == org.Id && e.Action == PromptLeo.Web.Features.Privacy.AuditActions.PriceChanged && e.ActorId == "site-admin"));
    }

    [Fact]
    public async Task BudgetAlerts_GoToOwnersAndBilling_TheMember_AndTheKeyCreator()
    {
        var org = await CreateOrganizationAsync(factory, ("Member", OrganizationRole.Member), ("Billing", OrganizationRole.Billing));
        var member = org.Members["Member"];
        var key = await factory.CreateKeyAsync(member);
        var client = factory.ClientWithKey(key.Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Json(SmallChat))).StatusCode);
        var spent = await SpentAsync(org.Id);
        await using (var db = await DbAsync())
        {
            // Every budget equals what was spent: 100 % reached.
            await db.Organizations.Where(o => o.Id == org.Id).ExecuteUpdateAsync(s => s.SetProperty(o => o.MonthlyBudgetMicros, spent));
            await db.OrganizationMembers.Where(m => m.OrganizationId == org.Id && m.UserId == member).ExecuteUpdateAsync(s => s.SetProperty(m => m.MonthlyBudgetMicros, spent));
            await db.ApiKeys.Where(k => k.Id == key.Key.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.MonthlyBudgetMicros, spent));
        }
        var alerts = factory.Services.GetRequiredService<BudgetAlerts>();
        await alerts.CheckAsync(org.Id, member, key.Key.Id);
        await alerts.CheckAsync(org.Id, member, key.Key.Id);

        var (owner, billing, memberMail) = (await EmailAsync(org.Owner), await EmailAsync(org.Members["Billing"]), await EmailAsync(member));
        var organizationMail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, owner);
        Assert.Contains("has reached its monthly budget", organizationMail.Subject);
        Assert.Single(MailsTo(owner));
        Assert.Single(MailsTo(billing), m => m.Subject?.Contains("has reached its monthly budget") == true);
        await MailPickup.WaitForMailToAsync(factory.MailDirectory, memberMail);
        var toMember = MailsTo(memberMail);
        Assert.Equal(2, toMember.Count);
        Assert.Single(toMember, m => m.Subject?.StartsWith("You have reached your monthly budget in ", StringComparison.Ordinal) == true);
        Assert.Single(toMember, m => m.Subject?.Contains(key.Key.Prefix) == true);
    }

    [Fact]
    public async Task BillingPage_CompanyOrganization_OwnerSeesAmountsPerMemberWithFormerMember_MemberSeesOnlyOwnUsage()
    {
        var (ownerClient, _, ownerId) = await factory.SignedInClientAsync();
        var (memberClient, memberEmail, memberId) = await factory.SignedInClientAsync();
        var leaverEmail = $"leaver-{Guid.NewGuid():N}@promptleo.test";
        var leaverId = await factory.CreateUserAsync(leaverEmail);
        var company = await Directory.CreateAsync(ownerId, new OrganizationDetails("Reiher Werke GmbH", null, null, null, "DE", null, "en"));
        await using (var db = await DbAsync())
        {
            db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = company, UserId = memberId, Role = OrganizationRole.Member });
            db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = company, UserId = leaverId, Role = OrganizationRole.Member });
            await db.SaveChangesAsync();
        }
        foreach (var id in new[] { ownerId, memberId, leaverId })
        {
            Assert.True(await Directory.SetActiveAsync(id, company));
        }
        foreach (var id in new[] { memberId, leaverId, leaverId })
        {
            Assert.Equal(HttpStatusCode.OK, (await factory.ClientWithKey((await factory.CreateKeyAsync(id)).Secret).PostAsync("/v1/chat/completions", Json(SmallChat))).StatusCode);
        }
        await using (var db = await DbAsync())
        {
            await db.OrganizationMembers.Where(m => m.OrganizationId == company && m.UserId == leaverId).ExecuteDeleteAsync();
        }

        var owner = WebUtility.HtmlDecode(await ownerClient.GetStringAsync("/billing"));
        Assert.Contains("id=\"billing-members\"", owner);
        Assert.Contains("Former member", owner);
        Assert.Contains(memberEmail, owner);
        Assert.DoesNotContain(leaverEmail, owner);
        Assert.Contains("id=\"billing-settings\"", owner);
        Assert.Equal(3, Regex.Count(owner, "billing-ledger-row"));

        var member = WebUtility.HtmlDecode(await memberClient.GetStringAsync("/billing"));
        Assert.DoesNotContain("id=\"billing-members\"", member);
        Assert.DoesNotContain("id=\"billing-settings\"", member);
        Assert.DoesNotContain("id=\"billing-top-up\"", member);
        Assert.DoesNotContain("Former member", member);
        Assert.Equal(1, Regex.Count(member, "billing-ledger-row"));

        // The CSV export follows the same rule: everyone's rows for the owner, the member's own for the member.
        Assert.Equal(4, (await ownerClient.GetStringAsync("/billing/usage.csv")).Trim().Split('\n').Length);
        Assert.Equal(2, (await memberClient.GetStringAsync("/billing/usage.csv")).Trim().Split('\n').Length);
    }

    private async Task<string> EmailAsync(string userId)
    {
        await using var db = await DbAsync();
        return (await db.Users.Where(u => u.Id == userId).Select(u => u.Email).SingleAsync())!;
    }

    private List<MimeKit.MimeMessage> MailsTo(string email) =>
        [.. System.IO.Directory.GetFiles(factory.MailDirectory, "*.eml").Select(f => MimeKit.MimeMessage.Load(f)).Where(m => m.To.Mailboxes.Any(a => a.Address == email))];
}

public sealed class OrganizationBudgetTests(ApiPortalFactory factory) : OrganizationBudgetTests<ApiPortalFactory>(factory);

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class OrganizationBudgetPostgresTests(PostgresApiPortal factory) : OrganizationBudgetTests<PostgresApiPortal>(factory);
