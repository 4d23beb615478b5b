using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Bench.Load;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.ApiKeys;
using Xunit.Abstractions;

namespace PromptLeo.Tests.Browser;

/// <summary>The demo models on a loopback Kestrel with a small engine (2 decoded together, 1 waiting), so 10 clients meet refusals even when each request first waits for its database reservation.</summary>
public sealed class LoadPortal : BrowserPortal
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Inference:CreateDemoModels"] = "true",
        ["Inference:Llm:MaxParallelSequences"] = "2",
        ["Inference:Llm:MaxQueueLength"] = "1",
        ["Api:RequestsPerMinutePerKey"] = "1000000",
        ["Api:RequestsPerMinutePerUser"] = "1000000",
    };
}

/// <summary>
/// The short form of the load run (bench/PromptLeo.Bench.Api, <c>load</c>): 8 API streams and 2 portal users over
/// their Blazor circuits for 10 s. Nothing is lost, nothing fails with 5xx, refusals are clean 429s, and the ledger
/// holds exactly the usage the clients were told.
/// </summary>
public sealed class LoadShortFormTests(LoadPortal portal, ITestOutputHelper output) : IClassFixture<LoadPortal>
{
    private const string Password = "Load-Passw0rd!";

    [Fact]
    public async Task LoadRun_EightApiStreamsAndTwoPortalUsersFor10s_NoneLostNo5xxLedgerEqualsResponses()
    {
        var options = new LoadOptions { ApiStreams = 8, PortalUsers = 2, Duration = TimeSpan.FromSeconds(10), MaxTokens = 48, TurnsPerConversation = 4 };
        var apiUsers = new List<string>();
        var keys = new List<string>();
        var portalUsers = new List<(string Email, string Password, string Id)>();
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            for (var i = 0; i < options.ApiStreams + options.PortalUsers; i++)
            {
                var email = $"load.{i}.{Guid.NewGuid():N}@example.de";
                var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
                Assert.True((await users.CreateAsync(user, Password)).Succeeded);
                if (i < options.ApiStreams)
                {
                    apiUsers.Add(user.Id);
                    keys.Add((await portal.Services.GetRequiredService<ApiKeyService>().CreateAsync(user.Id, "load", [ApiScopes.Chat], null, null)).Secret);
                }
                else
                {
                    portalUsers.Add((email, Password, user.Id));
                }
            }
        }

        var report = await new LoadRun(new Uri(portal.BaseUrl), options).RunAsync(keys, portalUsers.Select(u => (u.Email, u.Password)).ToList(), portal.Browser);
        output.WriteLine($"api: {report.Api}");
        output.WriteLine($"portal: {report.Portal}");
        output.WriteLine($"working set growth (last vs middle third): {report.WorkingSetGrowth:P1}");

        foreach (var tally in new[] { report.Api, report.Portal })
        {
            Assert.True(tally.Balanced, tally.ToString());
            Assert.Equal(0, tally.Lost);
            Assert.Equal(0, tally.Failed);
            Assert.True(tally.Completed > 0, tally.ToString());
            Assert.NotEmpty(tally.TimeToFirstTokenMs);
        }
        // 8 streams against 2 decoding + 1 waiting: some must be refused, and only with the engine's 429.
        Assert.True(report.Api.Refused > 0, report.Api.ToString());
        Assert.Equal(["200", "429:engine_busy"], report.Api.Outcomes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((report.Api.PromptTokens, report.Api.CompletionTokens), await LedgerTokensAsync(apiUsers));
        Assert.Equal((report.Portal.PromptTokens, report.Portal.CompletionTokens), await LedgerTokensAsync(portalUsers.Select(u => u.Id).ToList()));
        Assert.InRange(report.Elapsed.TotalSeconds, 10, 40);
    }

    private async Task<(long Input, long Output)> LedgerTokensAsync(List<string> userIds)
    {
        await using var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var events = await db.UsageEvents.AsNoTracking().Where(u => userIds.Contains(u.UserId)).Select(u => new { u.InputTokens, u.OutputTokens }).ToListAsync();
        return (events.Sum(e => (long)e.InputTokens), events.Sum(e => (long)e.OutputTokens));
    }
}
