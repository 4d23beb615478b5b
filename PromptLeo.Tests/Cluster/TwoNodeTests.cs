using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Admin;
using PromptLeo.Web.Features.ApiKeys;
using PromptLeo.Web.Features.Cluster;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Sessions;
using StackExchange.Redis;

namespace PromptLeo.Tests.Cluster;

/// <summary>
/// Two portal nodes on one database and one real Redis: what one node decides (erasure, disable, restriction, a revoked
/// key, a signed-out session) holds on the other at once, the API rate limit is one limit, and a browser may move.
/// </summary>
public sealed class TwoNodeTests(TwoNodes nodes) : TwoNodeTestsBase(nodes), IClassFixture<TwoNodes>;

/// <summary>The same with both nodes on PostgreSQL (content and keys), as a production cluster runs.</summary>
public sealed class TwoNodePostgresTests(PostgresTwoNodes nodes) : TwoNodeTestsBase(nodes), IClassFixture<PostgresTwoNodes>;

public abstract class TwoNodeTestsBase(TwoNodes nodes)
{
    [Fact]
    public async Task BothNodes_UseTheFixturesDatabase()
    {
        foreach (var node in new[] { nodes.A, nodes.B })
        {
            await using var db = await node.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<PromptLeo.Web.Data.AppDbContext>>().CreateDbContextAsync();
            Assert.Equal(nodes is PostgresTwoNodes, Microsoft.EntityFrameworkCore.NpgsqlDatabaseFacadeExtensions.IsNpgsql(db.Database));
        }
    }

    // Redis delivers in milliseconds; without the messages node B would keep its caches for a minute (sessions) or for
    // good (data keys), so this bound tells the two apart.
    private static readonly TimeSpan AtOnce = TimeSpan.FromSeconds(5);

    private ClusterNode A => nodes.A;
    private ClusterNode B => nodes.B;

    [Fact]
    public async Task Erasure_OnNodeA_NodeBCanNoLongerDecryptOrServeTheUser()
    {
        var (userId, browser) = await SignedInOnNodeBAsync();
        var blob = await A.Services.GetRequiredService<UserContentCipher>().EncryptStringAsync(userId, ContentPurpose.Message, "written on node A");
        var cipherB = B.Services.GetRequiredService<UserContentCipher>();
        Assert.Equal("written on node A", await cipherB.DecryptStringAsync(userId, ContentPurpose.Message, blob));

        await A.Services.GetRequiredService<AccountEraser>().EraseAsync(userId, userId);

        Assert.True(await WithinAsync(AtOnce, async () =>
        {
            try
            {
                await cipherB.DecryptStringAsync(userId, ContentPurpose.Message, blob);
                return false;
            }
            catch (ContentUnavailableException)
            {
                return true;
            }
        }), "Node B still decrypts the erased user's content with its cached key.");
        Assert.True(await WithinAsync(AtOnce, async () => await IsSignedOutAsync(browser)), "Node B still serves the erased user's browser.");
    }

    [Fact]
    public async Task Disable_OnNodeA_NodeBSignsTheUserOutAtOnce()
    {
        var (userId, browser) = await SignedInOnNodeBAsync();

        Assert.True(await A.Services.GetRequiredService<AdminUserDirectory>().SetDisabledAsync(await AdminIdAsync(), userId, disabled: true));

        Assert.True(await WithinAsync(AtOnce, async () => await IsSignedOutAsync(browser)), "Node B still serves the disabled user's browser.");
        Assert.Contains(B.Invalidations, m => m.Scope == InvalidationScope.User && m.UserId == userId);
    }

    [Fact]
    public async Task SessionSignedOut_OnNodeA_EndsOnNodeBAtOnce()
    {
        var (userId, browser) = await SignedInOnNodeBAsync();
        await using var db = await A.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var sessionId = await db.UserSessions.Where(s => s.UserId == userId).Select(s => s.Id).SingleAsync();

        Assert.True(await A.Services.GetRequiredService<SessionStore>().RevokeAsync(userId, sessionId));

        Assert.True(await WithinAsync(AtOnce, async () => await IsSignedOutAsync(browser)), "Node B still serves the signed-out session.");
    }

    [Fact]
    public async Task Restriction_OnNodeA_ReachesNodeBsCaches()
    {
        var (userId, _) = await A.CreateUserAsync();

        await A.Services.GetRequiredService<PrivacyCenter>().SetRestrictionAsync(userId, restricted: true);

        // Node B's handlers (data key, session checks, prompt caches) were given the user's invalidation.
        Assert.True(await WithinAsync(AtOnce, () => Task.FromResult(B.Invalidations.Any(m => m.Scope == InvalidationScope.User && m.UserId == userId))),
            "Node B was not told about the restriction.");
    }

    [Fact]
    public async Task RevokedApiKey_OnNodeA_RefusedOnNodeBAtOnce()
    {
        var (userId, _) = await A.CreateUserAsync();
        var key = await A.Services.GetRequiredService<ApiKeyService>().CreateAsync(userId, "cluster key", [ApiScopes.Chat], null, null);
        var onB = B.WithKey(key.Secret);
        Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("/v1/models")).StatusCode);

        Assert.True(await A.Services.GetRequiredService<ApiKeyService>().RevokeAsync(userId, key.Key.Id));

        // No waiting: the key is looked up in the shared database on every request.
        var refused = await onB.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("invalid_api_key", await refused.Content.ReadAsStringAsync());
        Assert.True(await WithinAsync(AtOnce, () => Task.FromResult(B.Invalidations.Any(m => m.Scope == InvalidationScope.ApiKey && m.Id == key.Key.Id))),
            "Node B was not told to drop the revoked key's prompt caches.");
    }

    [Fact]
    public async Task RateLimit_RequestsAcrossBothNodes_HitTheLimitOnce()
    {
        var (userId, _) = await A.CreateUserAsync();
        var key = await A.Services.GetRequiredService<ApiKeyService>().CreateAsync(userId, "limited key", [ApiScopes.Chat], null, null);
        var clients = new[] { A.WithKey(key.Secret), B.WithKey(key.Secret) };

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < ClusterNode.RequestsPerMinutePerKey + 4; i++)
        {
            var response = await clients[i % 2].GetAsync("/v1/models");
            statuses.Add(response.StatusCode);
            limited ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        // Per node the limit would allow 2 × 6; shared in Redis it allows 6 in all, whichever node answers.
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, ClusterNode.RequestsPerMinutePerKey), statuses.Take(ClusterNode.RequestsPerMinutePerKey));
        Assert.All(statuses.Skip(ClusterNode.RequestsPerMinutePerKey), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        Assert.NotNull(limited);
        Assert.Contains("rate_limit_exceeded", await limited.Content.ReadAsStringAsync());
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single()) is > 0 and <= 60);
    }

    [Fact]
    public async Task Cookie_IssuedByNodeA_AcceptedByNodeB()
    {
        var (_, email) = await A.CreateUserAsync();
        var cookies = new CookieContainer();

        await SignInAsync(A.Browser(cookies), email);

        Assert.Equal(HttpStatusCode.OK, (await B.Browser(cookies).GetAsync("/Account/Manage")).StatusCode);
        // The nodes share the key ring through Redis only: none of it was written to the shared data folder.
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(nodes.DataDirectory, "keys"), "key-*.xml"));
        using var redis = await ConnectionMultiplexer.ConnectAsync(nodes.Redis.Configuration);
        Assert.True(await redis.GetDatabase().ListLengthAsync("promptleo:dataprotection-keys") >= 1);
    }

    [Fact]
    public async Task Form_RenderedByNodeA_PostsToNodeB()
    {
        var (_, email) = await A.CreateUserAsync();
        var cookies = new CookieContainer();
        var onA = A.Browser(cookies);
        var onB = B.Browser(cookies);
        var page = await onA.GetAsync("/Account/Login");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);

        var posted = await onB.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = ClusterNode.UserPassword,
            ["__RequestVerificationToken"] = FormPost.AntiforgeryToken(await page.Content.ReadAsStringAsync()),
            ["_handler"] = "login",
        }));

        // The antiforgery token of A's form and cookie passed B's check, and B's sign-in cookie opens A's pages.
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.DoesNotContain("Login", posted.Headers.Location?.ToString() ?? "");
        Assert.Equal(HttpStatusCode.OK, (await onA.GetAsync("/Account/Manage")).StatusCode);
    }

    /// <summary>A new account signed in on node B, which has checked (and cached) its session once.</summary>
    private async Task<(string UserId, HttpClient Browser)> SignedInOnNodeBAsync()
    {
        var (userId, email) = await A.CreateUserAsync();
        var browser = B.Browser(new CookieContainer());
        await SignInAsync(browser, email);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/Account/Manage")).StatusCode);
        return (userId, browser);
    }

    private static async Task SignInAsync(HttpClient browser, string email)
    {
        var login = await PortalSession.LoginAsync(browser, email, ClusterNode.UserPassword);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.DoesNotContain("Login", login.Headers.Location?.ToString() ?? "");
    }

    private static async Task<bool> IsSignedOutAsync(HttpClient browser)
    {
        var response = await browser.GetAsync("/Account/Manage");
        return response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.ToString().Contains("Account/Login", StringComparison.OrdinalIgnoreCase) == true;
    }

    private async Task<string> AdminIdAsync()
    {
        await using var db = await A.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Users.Where(u => u.Email == PortalFactory.AdminEmail).Select(u => u.Id).SingleAsync();
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="limit"/> has passed.</summary>
    private static async Task<bool> WithinAsync(TimeSpan limit, Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return true;
            }
            if (clock.Elapsed > limit)
            {
                return false;
            }
            await Task.Delay(20);
        }
    }
}
