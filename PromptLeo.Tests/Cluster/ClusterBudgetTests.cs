using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using static PromptLeo.Tests.Web.Api.ChatCompletionsApiTests;

namespace PromptLeo.Tests.Cluster;

/// <summary>Budgets hold across portal nodes: reservations are database rows, checked and written under the organization's row lock.</summary>
[Collection(PortalNodesCollection.Name)]
public sealed class ClusterBudgetTests(PortalNodes nodes) : ClusterBudgetTestsBase(nodes);

/// <summary>The same on PostgreSQL, where the row lock is a real row lock between two connections (READ COMMITTED).</summary>
[Collection(PostgresPortalNodesCollection.Name)]
public sealed class ClusterBudgetPostgresTests(PostgresPortalNodes nodes) : ClusterBudgetTestsBase(nodes);

public abstract class ClusterBudgetTestsBase(PortalNodes nodes)
{
    [Fact]
    public async Task BothNodes_UseTheFixturesDatabase()
    {
        foreach (var node in nodes.Both)
        {
            await using var db = await node.DbAsync();
            Assert.Equal(node.Postgres is not null, db.Database.IsNpgsql());
        }
        Assert.Equal(nodes is PostgresPortalNodes, nodes.A.Postgres is not null);
    }

    private const decimal Cap = 0.6m;

    private static readonly object Chat = new { model = ApiPortalFactory.ChatModel, max_tokens = 16, messages = new[] { new { role = "user", content = "hello from two nodes" } } };

    /// <summary>A new account whose personal organization pays its own (expensive) price and has a small monthly budget; returns its key.</summary>
    private async Task<(string UserId, Guid OrganizationId, string Secret)> SmallBudgetAsync()
    {
        var userId = await nodes.A.CreateUserAsync();
        var key = await nodes.A.CreateKeyAsync(userId);
        var organizationId = await nodes.A.PersonalOrganizationAsync(userId);
        // 1000 EUR per million tokens makes one request's reservation a visible share of the cap.
        await nodes.A.Services.GetRequiredService<PriceList>().SetAsync(organizationId, ApiPortalFactory.ChatModel, 1000m, 1000m, 0m, "test");
        await nodes.A.SetBudgetAsync(userId, Cap);
        return (userId, organizationId, key.Secret);
    }

    [Fact]
    public async Task ConcurrentRequests_OnBothNodes_NeverExceedTheCapAndTheLedgerEqualsTheResponses()
    {
        var (userId, organizationId, secret) = await SmallBudgetAsync();
        var clients = nodes.Both.Select(node => node.ClientWithKey(secret)).ToList();

        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => clients[i % 2].PostAsync("/v1/chat/completions", Json(Chat))));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.PaymentRequired, r.StatusCode.ToString()));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.PaymentRequired);
        var served = new List<(string RequestId, int Prompt, int Completion)>();
        foreach (var response in responses.Where(r => r.StatusCode == HttpStatusCode.OK))
        {
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var usage = json.RootElement.GetProperty("usage");
            served.Add(("req_" + json.RootElement.GetProperty("id").GetString()!["chatcmpl-".Length..], usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32()));
        }
        Assert.NotEmpty(served);

        await using var db = await nodes.B.DbAsync();
        var price = await nodes.B.Services.GetRequiredService<PriceList>().GetCurrentAsync(db, organizationId, ApiPortalFactory.ChatModel);
        var events = await db.UsageEvents.AsNoTracking().Where(u => u.UserId == userId).ToListAsync();
        Assert.Equal(served.Count, events.Count);
        foreach (var (requestId, prompt, completion) in served)
        {
            Assert.Equal(PriceList.Cost(price, prompt, completion, 0, 0, 0, 0), Assert.Single(events, e => e.RequestId == requestId).AmountMicros);
        }
        Assert.True(events.Sum(e => e.AmountMicros) <= Money.FromEuro(Cap), $"spent {events.Sum(e => e.AmountMicros)} micro-EUR of {Money.FromEuro(Cap)}");
        // Every request released its reservation when it ended.
        Assert.False(await db.UsageReservations.AnyAsync(r => r.OrganizationId == organizationId));
    }

    [Fact]
    public async Task Reservation_OfANodeThatDied_CountsUntilItsLeaseRunsOutThenIsReleased()
    {
        var (_, organizationId, secret) = await SmallBudgetAsync();
        var now = DateTimeOffset.UtcNow;
        Guid deadId;
        await using (var db = await nodes.A.DbAsync())
        {
            // What node A left behind when it died mid-request: a reservation of the whole budget that nobody renews.
            var dead = new UsageReservation { OrganizationId = organizationId, UserId = "gone", AmountMicros = Money.FromEuro(Cap), Node = "node-a", CreatedAt = now.AddMinutes(-4), ExpiresAt = now.AddMinutes(1) };
            db.UsageReservations.Add(dead);
            await db.SaveChangesAsync();
            deadId = dead.Id;
        }
        var client = nodes.B.ClientWithKey(secret);
        Assert.Equal(HttpStatusCode.PaymentRequired, (await client.PostAsync("/v1/chat/completions", Json(Chat))).StatusCode);

        await using (var db = await nodes.A.DbAsync())
        {
            var past = now.AddSeconds(-1);
            await db.UsageReservations.Where(r => r.Id == deadId).ExecuteUpdateAsync(s => s.SetProperty(r => r.ExpiresAt, past));
        }

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Json(Chat))).StatusCode);
        await using var check = await nodes.B.DbAsync();
        Assert.False(await check.UsageReservations.AnyAsync(r => r.Id == deadId));
    }

    [Fact]
    public async Task OpenReservation_WhileTheRequestRuns_IsRenewedByItsNode()
    {
        var (userId, organizationId, _) = await SmallBudgetAsync();
        var ledger = nodes.A.Services.GetRequiredService<UsageLedger>();
        var estimate = new UsageEstimate(userId, null, ApiPortalFactory.ChatModel, UsageKind.Chat, "req_renewal", InputTokens: 10, MaxOutputTokens: 10) { OrganizationId = organizationId };

        await using var reservation = await ledger.ReserveAsync(estimate);
        await using var db = await nodes.A.DbAsync();
        var row = await db.UsageReservations.AsNoTracking().SingleAsync(r => r.OrganizationId == organizationId);
        Assert.Equal("node-a", row.Node);
        await Task.Delay(50);
        await ledger.RenewOpenAsync(CancellationToken.None);

        var renewed = await db.UsageReservations.AsNoTracking().SingleAsync(r => r.Id == row.Id);
        Assert.True(renewed.ExpiresAt > row.ExpiresAt, $"{renewed.ExpiresAt:O} after {row.ExpiresAt:O}");
    }
}
