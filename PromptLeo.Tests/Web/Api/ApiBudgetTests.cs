using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Billing;
using static PromptLeo.Tests.Web.Api.ChatCompletionsApiTests;

namespace PromptLeo.Tests.Web.Api;

public abstract class ApiBudgetTests<TPortal>(TPortal factory) : IClassFixture<TPortal>
    where TPortal : ApiPortalFactory
{
    [Fact]
    public async Task ParallelRequests_OverBudget_SomeRefusedAndTotalStaysUnderCap()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        // Expensive prices make one request's reservation a visible share of the cap.
        await factory.Services.GetRequiredService<PriceList>().SetAsync(ApiPortalFactory.ChatModel, 1000m, 1000m, 0m, "test");
        const decimal cap = 0.6m;
        await factory.SetBudgetAsync(userId, cap);
        var body = new { model = ApiPortalFactory.ChatModel, max_tokens = 16, messages = new[] { new { role = "user", content = "hello budget" } } };

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => client.PostAsync("/v1/chat/completions", Json(body))));

        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.PaymentRequired);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.PaymentRequired, r.StatusCode.ToString()));
        var events = await factory.UsageEventsAsync(userId);
        Assert.Equal(responses.Count(r => r.StatusCode == HttpStatusCode.OK), events.Count);
        Assert.True(events.Sum(e => e.AmountMicros) <= Money.FromEuro(cap), $"spent {events.Sum(e => e.AmountMicros)} micro-EUR");
    }

    [Fact]
    public async Task KeyBudget_CapsOnlyThatKey()
    {
        var userId = await factory.CreateUserAsync();
        var capped = await factory.CreateKeyAsync(userId, budgetEur: 0m);
        var free = await factory.CreateKeyAsync(userId);
        var body = new { model = ApiPortalFactory.ChatModel, max_tokens = 2, messages = new[] { new { role = "user", content = "hi" } } };
        Assert.Equal(HttpStatusCode.PaymentRequired, (await factory.ClientWithKey(capped.Secret).PostAsync("/v1/chat/completions", Json(body))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.ClientWithKey(free.Secret).PostAsync("/v1/chat/completions", Json(body))).StatusCode);
    }

    [Fact]
    public async Task Prepaid_WithoutCredit_Returns402_AfterTopUpSucceeds()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        await factory.SetBudgetAsync(userId, null, PromptLeo.Web.Data.BillingMode.Prepaid);
        var body = new { model = ApiPortalFactory.ChatModel, max_tokens = 2, messages = new[] { new { role = "user", content = "hi" } } };
        Assert.Equal(HttpStatusCode.PaymentRequired, (await client.PostAsync("/v1/chat/completions", Json(body))).StatusCode);
        await factory.TopUpPersonalAsync(userId, 5m);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Json(body))).StatusCode);
        var balance = await factory.PersonalBalanceAsync(userId);
        Assert.Equal(Money.FromEuro(5m) - Assert.Single(await factory.UsageEventsAsync(userId)).AmountMicros, balance);
    }

    [Fact]
    public async Task BudgetAlert_80Percent_MailedOncePerMonth()
    {
        var email = $"alert-{Guid.NewGuid():N}@promptleo.test";
        var (userId, _, spent) = await SpendOnceAsync(email);
        // A budget that puts what was spent at about 85 %: two checks send the 80 % alert once.
        await factory.SetBudgetAsync(userId, Money.ToEuro(spent * 100 / 85));
        await factory.Services.GetRequiredService<BudgetAlerts>().CheckAsync(await factory.PersonalOrganizationAsync(userId), userId);
        await factory.Services.GetRequiredService<BudgetAlerts>().CheckAsync(await factory.PersonalOrganizationAsync(userId), userId);
        var mail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, email);
        Assert.Contains("80", mail.Subject);
        var mails = MailsTo(email).Count;
        Assert.Equal(1, mails);
    }

    [Fact]
    public async Task KeyBudgetAlert_80Percent_MailedOnceNamingTheKey()
    {
        var email = $"keyalert-{Guid.NewGuid():N}@promptleo.test";
        var (userId, _, perRequest) = await SpendOnceAsync(email);
        // A key whose budget one such request fills to about 85 %.
        var key = await factory.CreateKeyAsync(userId, budgetEur: Money.ToEuro(perRequest * 100 / 85));
        var alerts = factory.Services.GetRequiredService<BudgetAlerts>();
        await using (var db = await factory.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<PromptLeo.Web.Data.AppDbContext>>().CreateDbContextAsync())
        {
            db.UsageEvents.Add(new PromptLeo.Web.Data.UsageEvent { UserId = userId, ApiKeyId = key.Key.Id, ModelId = ApiPortalFactory.ChatModel, Kind = "chat", AmountMicros = perRequest, RequestId = "req_keyalert", At = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        await alerts.CheckAsync(await factory.PersonalOrganizationAsync(userId), userId, key.Key.Id);
        await alerts.CheckAsync(await factory.PersonalOrganizationAsync(userId), userId, key.Key.Id);

        var mail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, email);
        Assert.Contains(key.Key.Prefix, mail.Subject);
        Assert.Contains("80", mail.Subject);
        var count = MailsTo(email).Count;
        Assert.Equal(1, count);
    }

    [Fact]
    public async Task BudgetAlert_100Percent_MailedOnceAndFurtherRequestsRefused()
    {
        var email = $"alert100-{Guid.NewGuid():N}@promptleo.test";
        var (userId, client, spent) = await SpendOnceAsync(email);
        // The budget equals what was spent: 100 % reached.
        await factory.SetBudgetAsync(userId, Money.ToEuro(spent));
        await factory.Services.GetRequiredService<BudgetAlerts>().CheckAsync(await factory.PersonalOrganizationAsync(userId), userId);
        await factory.Services.GetRequiredService<BudgetAlerts>().CheckAsync(await factory.PersonalOrganizationAsync(userId), userId);

        var deadline = DateTime.UtcNow.AddSeconds(15);
        List<MimeKit.MimeMessage> mails;
        do
        {
            mails = MailsTo(email);
            if (mails.Any(m => m.Subject?.Contains("reached your monthly budget") == true))
            {
                break;
            }
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Single(mails, m => m.Subject?.Contains("reached your monthly budget") == true);
        Assert.Equal(HttpStatusCode.PaymentRequired, (await client.PostAsync("/v1/chat/completions", Json(SmallChat))).StatusCode);
    }

    private static readonly object SmallChat = new { model = ApiPortalFactory.ChatModel, max_tokens = 2, messages = new[] { new { role = "user", content = "hi" } } };

    /// <summary>A new user whose new key has made one small chat request; returns what that request cost.</summary>
    private async Task<(string UserId, HttpClient Client, long Spent)> SpendOnceAsync(string email)
    {
        var userId = await factory.CreateUserAsync(email);
        var key = await factory.CreateKeyAsync(userId);
        var client = factory.ClientWithKey(key.Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Json(SmallChat))).StatusCode);
        return (userId, client, Assert.Single(await factory.UsageEventsAsync(userId)).AmountMicros);
    }

    private List<MimeKit.MimeMessage> MailsTo(string email) =>
        [.. Directory.GetFiles(factory.MailDirectory, "*.eml").Select(f => MimeKit.MimeMessage.Load(f)).Where(m => m.To.Mailboxes.Any(a => a.Address == email))];
}

public sealed class ApiBudgetTests(ApiPortalFactory factory) : ApiBudgetTests<ApiPortalFactory>(factory);

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class ApiBudgetPostgresTests(PostgresApiPortal factory) : ApiBudgetTests<PostgresApiPortal>(factory);

public sealed class ApiLimitsBeforeBudgetTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    [Theory]
    [InlineData("{\"prompt\":\"x\",\"size\":\"4096x4096\"}", "size")]
    [InlineData("{\"prompt\":\"x\",\"size\":\"64x64\",\"steps\":100000}", "steps")]
    [InlineData("{\"prompt\":\"x\",\"size\":\"64x64\",\"steps\":9999999999}", "steps")]
    public async Task ImageLimits_AreCheckedBeforeTheBudget_400Not402(string body, string param)
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        await factory.SetBudgetAsync(userId, 0.000001m);

        var response = await client.PostAsync("/v1/images/generations", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        using var error = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, error.RootElement.GetProperty("error").GetProperty("param").GetString());
    }
}
