using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Telemetry;

namespace PromptLeo.Tests.Cluster;

/// <summary>A portal node with its own <c>Cluster:NodeName</c> on a shared data folder (one database).</summary>
public sealed class NamedNodePortal(string dataDirectory, string nodeName) : PortalFactory(dataDirectory)
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Cluster:NodeName"] = nodeName,
        ["Inference:CreateDemoModels"] = "true",
        ["Inference:Device"] = "Cpu",
        // Each node keeps its own models, as separate machines do; the demo writer of one must not touch the other's files.
        ["Inference:ModelsDirectory"] = Path.Combine(DataDirectory, "models-" + nodeName),
    };
}

/// <summary>
/// Two nodes on one database: each writes its own activity samples, and either node's system view shows both nodes
/// with their charts, version and data folder; samples past the retention are purged.
/// </summary>
public sealed class SystemViewTwoNodeTests
{
    [Fact]
    public async Task SystemView_TwoNodesSampled_EitherNodeShowsBothWithCharts()
    {
        var folder = Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N"));
        using var nodeA = new NamedNodePortal(folder, "node-a") { KeepDataOnDispose = true };
        _ = nodeA.Services; // starts node A first: it creates the database
        using var nodeB = new NamedNodePortal(folder, "node-b");

        // Node A serves two chats, node B one, so each has its own counts.
        var key = await nodeA.Services.GetRequiredService<PromptLeo.Web.Features.ApiKeys.ApiKeyService>()
            .CreateAsync(await CreateUserAsync(nodeA), "node test", [PromptLeo.Web.Features.ApiKeys.ApiScopes.Chat], null, null);
        foreach (var (node, times) in new[] { (nodeA, 2), (nodeB, 1) })
        {
            var client = node.CreateClient();
            client.DefaultRequestHeaders.Authorization = new("Bearer", key.Secret);
            for (var i = 0; i < times; i++)
            {
                var response = await client.PostAsJsonAsync("/v1/chat/completions", new
                {
                    model = ApiPortalFactory.ChatModel,
                    max_tokens = 4,
                    messages = new[] { new { role = "user", content = "Hello" } },
                });
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
        var sampleA = await nodeA.Services.GetRequiredService<NodeMetricSampler>().SampleAsync();
        var sampleB = await nodeB.Services.GetRequiredService<NodeMetricSampler>().SampleAsync();

        Assert.Equal(("node-a", 2L, 0L), (sampleA.Node, sampleA.Requests, sampleA.Errors));
        Assert.Equal(("node-b", 1L, 0L), (sampleB.Node, sampleB.Requests, sampleB.Errors));
        Assert.True(sampleA.Tokens > 0);
        Assert.True(sampleA.DataFolderBytes > 0);
        Assert.True(sampleA.DiskFreeBytes > 0);
        Assert.False(string.IsNullOrWhiteSpace(sampleA.Version));

        foreach (var (viewer, culture, title) in new[] { (nodeB, "en-US", "Throughput per minute"), (nodeA, "de-DE", "Durchsatz pro Minute") })
        {
            var admin = viewer.CreateBrowserLikeClient();
            Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(admin, PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);
            // The layout's language switch, as the admin would use it (a signed-in user's language is their profile's).
            var language = culture[..2];
            Assert.Equal(HttpStatusCode.Redirect, (await FormPost.PostWithTokenFromAsync(admin, "/", $"/preferences/culture/{language}", new Dictionary<string, string> { ["returnUrl"] = "/" })).StatusCode);
            var html = WebUtility.HtmlDecode(await admin.GetStringAsync("/admin/system"));

            foreach (var node in new[] { "node-a", "node-b" })
            {
                var section = Section(html, node);
                Assert.Contains(title, section);
                Assert.Equal(4, CountOf(section, "class=\"node-chart\""));
                Assert.Contains("<svg", section);
                Assert.Contains(NodeMetricSampler.Version, section);
                Assert.Contains("data-reporting=\"true\"", section);
            }
            var totals = culture == "en-US" ? "Requests: {0} · failed: 0" : "Anfragen: {0} · fehlgeschlagen: 0";
            Assert.Contains(string.Format(totals, 2), Section(html, "node-a"));
            Assert.Contains(string.Format(totals, 1), Section(html, "node-b"));
        }
    }

    [Fact]
    public async Task SystemView_NodeWithoutRecentSample_IsSilent()
    {
        using var node = new NamedNodePortal(Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N")), "node-live");
        await using (var db = await node.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            // Ten minutes without a sample: more than three one-minute intervals.
            db.NodeMetricSamples.Add(new NodeMetricSample { Node = "node-quiet", At = DateTimeOffset.UtcNow.AddMinutes(-10), Requests = 5, Version = "1.0" });
            await db.SaveChangesAsync();
        }
        await node.Services.GetRequiredService<NodeMetricSampler>().SampleAsync();

        await using var scope = node.Services.CreateAsyncScope();
        var view = await scope.ServiceProvider.GetRequiredService<SystemOverview>().LoadAsync();

        Assert.Equal(["node-live", "node-quiet"], view.Nodes.Select(n => n.Name));
        Assert.True(view.Nodes[0].Reporting);
        Assert.False(view.Nodes[1].Reporting);
        Assert.Equal(5, view.Nodes[1].Requests);
        Assert.All(view.Nodes, n => Assert.Equal(SystemOverview.Minutes, n.Minutes.Count));
    }

    [Fact]
    public async Task Sample_OlderThanRetention_IsPurged()
    {
        using var node = new NamedNodePortal(Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N")), "node-purge");
        var factory = node.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            db.NodeMetricSamples.Add(new NodeMetricSample { Node = "gone", At = DateTimeOffset.UtcNow.AddHours(-25), Version = "0" });
            db.NodeMetricSamples.Add(new NodeMetricSample { Node = "recent", At = DateTimeOffset.UtcNow.AddHours(-23), Version = "0" });
            await db.SaveChangesAsync();
        }

        await node.Services.GetRequiredService<NodeMetricSampler>().SampleAsync();

        await using var check = await factory.CreateDbContextAsync();
        Assert.Equal(["node-purge", "recent"], (await check.NodeMetricSamples.Select(s => s.Node).ToListAsync()).Order());
    }

    private static async Task<string> CreateUserAsync(PortalFactory node)
    {
        await using var scope = node.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<ApplicationUser>>();
        var email = $"node-{Guid.NewGuid():N}@promptleo.test";
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
        Assert.True((await users.CreateAsync(user, "Node-Passw0rd!")).Succeeded);
        return user.Id;
    }

    // The node's paper: from its data-node attribute to the next node's (or the end).
    private static string Section(string html, string node)
    {
        var start = html.IndexOf($"data-node=\"{node}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"{node} is not on the page");
        var next = html.IndexOf("data-node=\"", start + 1, StringComparison.Ordinal);
        return next < 0 ? html[start..] : html[start..next];
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;
}
