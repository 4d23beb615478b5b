using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Cluster;

namespace PromptLeo.Tests.Cluster;

/// <summary>
/// A node whose Redis goes away: it reports itself not ready, and once Redis is back it drops every cached user state,
/// because invalidations sent meanwhile never reached it.
/// </summary>
public sealed class RedisOutageTests : IDisposable
{
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N"));
    private readonly RedisServer redis = new();

    [Fact]
    public async Task RedisOutage_NodeIsNotReady_AndDropsCachedSessionChecksOnReconnect()
    {
        using var node = new ClusterNode(dataDirectory, redis.Configuration, "node-a", expectedNodes: 2);
        var (userId, email) = await node.CreateUserAsync();
        var browser = node.Browser(new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(browser, email, ClusterNode.UserPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/Account/Manage")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/health/ready")).StatusCode);

        redis.Stop();
        // Another node ends the session while this one cannot hear about it.
        await using (var db = await node.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await db.UserSessions.Where(s => s.UserId == userId).ExecuteDeleteAsync();
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await browser.GetAsync("/health/ready")).StatusCode);
        // Its cached check still lets the browser in: the message that would have dropped it was lost.
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/Account/Manage")).StatusCode);
        redis.Start();

        var clock = Stopwatch.StartNew();
        while (!node.Invalidations.Any(m => m.Scope == InvalidationScope.Everything) && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }
        Assert.Contains(node.Invalidations, m => m.Scope == InvalidationScope.Everything);
        var signedOut = await browser.GetAsync("/Account/Manage");
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Contains("Account/Login", signedOut.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/health/ready")).StatusCode);
    }

    public void Dispose()
    {
        redis.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open is left for the OS temp cleaner.
        }
    }
}
