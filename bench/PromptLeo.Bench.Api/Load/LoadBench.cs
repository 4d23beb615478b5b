extern alias web;

using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using web::PromptLeo.Web.Data;
using web::PromptLeo.Web.Features.ApiKeys;

namespace PromptLeo.Bench.Load;

/// <summary>
/// The load and soak run: the real portal on a loopback port with the demo models, N API streams and M Chromium portal
/// users for a fixed time, then the ledger compared with the usage the clients were told.
/// usage: dotnet run -c Release --project bench/PromptLeo.Bench.Api -- load [apiStreams=48] [portalUsers=4] [seconds=90] [maxTokens=48] [turnsPerChat=0]
/// </summary>
internal static class LoadBench
{
    public static async Task RunAsync(string[] args)
    {
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], System.Globalization.CultureInfo.InvariantCulture) : fallback;
        var options = new LoadOptions { ApiStreams = Arg(0, 48), PortalUsers = Arg(1, 4), Duration = TimeSpan.FromSeconds(Arg(2, 90)), MaxTokens = Arg(3, 48), TurnsPerConversation = Arg(4, 0) };
        var dataDirectory = Path.Combine(Path.GetTempPath(), "promptleo-bench-load", Guid.NewGuid().ToString("N"));
        var port = BenchNetwork.FreeLoopbackPort();
        await using var portal = new BenchPortal(dataDirectory);
        portal.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        portal.StartServer();
        var (keys, apiUsers, portalUsers) = await CreateClientsAsync(portal.Services, options);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium", Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
        Console.WriteLine($"load: {options.ApiStreams} API streams + {options.PortalUsers} portal users for {options.Duration.TotalSeconds:0} s, max_tokens {options.MaxTokens}, model {options.ModelId}, new chat every {options.TurnsPerConversation} answers (0 = never)");
        var report = await new LoadRun(new Uri($"http://127.0.0.1:{port}"), options).RunAsync(keys, portalUsers.Select(u => (u.Email, u.Password)).ToList(), browser);
        var apiLedger = await LedgerAsync(portal.Services, apiUsers);
        var portalLedger = await LedgerAsync(portal.Services, portalUsers.Select(u => u.UserId).ToList());

        Console.WriteLine($"elapsed {report.Elapsed.TotalSeconds:0.0} s");
        Console.WriteLine($"api:    {report.Api}");
        Console.WriteLine($"portal: {report.Portal}");
        Console.WriteLine($"ledger api: {apiLedger.Input}+{apiLedger.Output} tokens in {apiLedger.Events} events, {apiLedger.Micros} µEUR; responses said {report.Api.PromptTokens}+{report.Api.CompletionTokens}");
        Console.WriteLine($"ledger portal: {portalLedger.Input}+{portalLedger.Output} tokens in {portalLedger.Events} events, {portalLedger.Micros} µEUR; pages showed {report.Portal.PromptTokens}+{report.Portal.CompletionTokens}");
        Console.WriteLine($"working set (MiB) every 2 s: {string.Join(" ", report.WorkingSet.Where((_, i) => i % 4 == 0).Select(s => (s.WorkingSetBytes >> 20).ToString(System.Globalization.CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"managed heap (MiB) every 2 s: {string.Join(" ", report.WorkingSet.Where((_, i) => i % 4 == 0).Select(s => (s.ManagedBytes >> 20).ToString(System.Globalization.CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"thread-pool threads every 2 s: {string.Join(" ", report.WorkingSet.Where((_, i) => i % 4 == 0).Select(s => s.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"working set growth, last third vs middle third: {report.WorkingSetGrowth:+0.0%;-0.0%}");
    }

    private static async Task<(List<string> Keys, List<string> ApiUsers, List<(string Email, string Password, string UserId)> PortalUsers)> CreateClientsAsync(IServiceProvider services, LoadOptions options)
    {
        const string password = "Load-Passw0rd!";
        var keys = new List<string>();
        var apiUsers = new List<string>();
        var portalUsers = new List<(string, string, string)>();
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        for (var i = 0; i < options.ApiStreams + options.PortalUsers; i++)
        {
            var email = $"load{i}@promptleo.test";
            var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
            await users.CreateAsync(user, password);
            if (i < options.ApiStreams)
            {
                keys.Add((await services.GetRequiredService<ApiKeyService>().CreateAsync(user.Id, "load", [ApiScopes.Chat], null, null)).Secret);
                apiUsers.Add(user.Id);
            }
            else
            {
                portalUsers.Add((email, password, user.Id));
            }
        }
        return (keys, apiUsers, portalUsers);
    }

    private static async Task<(long Input, long Output, int Events, long Micros)> LedgerAsync(IServiceProvider services, List<string> userIds)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var events = await db.UsageEvents.AsNoTracking().Where(u => userIds.Contains(u.UserId)).Select(u => new { u.InputTokens, u.OutputTokens, u.AmountMicros }).ToListAsync();
        return (events.Sum(e => (long)e.InputTokens), events.Sum(e => (long)e.OutputTokens), events.Count, events.Sum(e => e.AmountMicros));
    }
}
