using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;

namespace PromptLeo.Tests.Web.Sessions;

/// <summary>Failed sign-ins slow down (per e-mail, per address) without locking the account or its API keys.</summary>
public sealed class SignInThrottleTests(SessionPortalFactory factory) : IClassFixture<SessionPortalFactory>
{
    private const string Password = "Api-Passw0rd!";

    private static async Task<(HttpStatusCode Status, string Message)> WrongLoginAsync(HttpClient client, string email)
    {
        var response = await PortalSession.LoginAsync(client, email, "Wrong-Password-000");
        var html = await response.Content.ReadAsStringAsync();
        var message = html.Contains("Too many sign-in attempts") ? "throttled" : html.Contains("Invalid login attempt") ? "invalid" : "other";
        return (response.StatusCode, message);
    }

    [Fact]
    public async Task WrongPasswords_KnownAndUnknownEmail_SameAnswersThenWaitsNoLockout()
    {
        var known = $"known-{Guid.NewGuid():N}@promptleo.test";
        var userId = await factory.CreateUserAsync(known);
        var unknown = $"nobody-{Guid.NewGuid():N}@promptleo.test";
        var key = await factory.CreateKeyAsync(userId);

        var knownAnswers = new List<(HttpStatusCode, string)>();
        var unknownAnswers = new List<(HttpStatusCode, string)>();
        for (var i = 0; i < 7; i++)
        {
            knownAnswers.Add(await WrongLoginAsync(factory.CreateBrowserLikeClient(), known));
            unknownAnswers.Add(await WrongLoginAsync(factory.CreateBrowserLikeClient(), unknown));
        }
        // The same sequence for both: five free failures, a sixth that starts the wait, then 429 while it runs.
        Assert.Equal(knownAnswers, unknownAnswers);
        Assert.All(knownAnswers.Take(6), a => Assert.Equal((HttpStatusCode.OK, "invalid"), a));
        Assert.Equal((HttpStatusCode.TooManyRequests, "throttled"), knownAnswers[6]);

        // The account is not locked: its API key works throughout, and the right password works once the wait is over.
        Assert.Equal(HttpStatusCode.OK, (await factory.ClientWithKey(key.Secret).GetAsync("/v1/models")).StatusCode);
        var during = await PortalSession.LoginAsync(factory.CreateBrowserLikeClient(), known, Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, during.StatusCode);
        Assert.True(during.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        var after = await PortalSession.LoginAsync(factory.CreateBrowserLikeClient(), known, Password);
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.DoesNotContain("Lockout", after.Headers.Location!.ToString());
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        Assert.False(await users.IsLockedOutAsync((await users.FindByIdAsync(userId))!));
    }

    [Fact]
    public async Task UnknownEmail_CostsAPasswordHashLikeAKnownOne()
    {
        var counting = new CountingPasswordHasher();
        using var portal = factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IPasswordHasher<ApplicationUser>>(counting)));
        var email = $"timing-{Guid.NewGuid():N}@promptleo.test";
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.True((await users.CreateAsync(new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true }, Password)).Succeeded);
        }

        async Task<TimeSpan> SignInAsync(string address)
        {
            await using var scope = portal.Services.CreateAsyncScope();
            var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<ApplicationUser>>();
            var watch = Stopwatch.StartNew();
            var result = await signIn.PasswordSignInAsync(address, "Wrong-Password-000", false, lockoutOnFailure: false);
            watch.Stop();
            Assert.False(result.Succeeded);
            return watch.Elapsed;
        }

        var before = counting.Verifications;
        await SignInAsync($"unknown-{Guid.NewGuid():N}@promptleo.test");
        Assert.Equal(before + 1, counting.Verifications);

        var known = new List<TimeSpan>();
        var unknownTimes = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            known.Add(await SignInAsync(email));
            unknownTimes.Add(await SignInAsync($"unknown-{Guid.NewGuid():N}@promptleo.test"));
        }
        // Both pay one PBKDF2 verification; without it an unknown e-mail answers many times faster.
        var ratio = Median(unknownTimes) / Median(known);
        Assert.True(ratio > 0.3, $"unknown/known sign-in time ratio {ratio:0.00}");
    }

    [Fact]
    public async Task InvalidApiKeys_PastTwentyFromOneAddress_429WhileValidKeysWork()
    {
        var userId = await factory.CreateUserAsync();
        var valid = factory.ClientWithKey((await factory.CreateKeyAsync(userId)).Secret);
        HttpResponseMessage last = new();
        for (var i = 0; i < 21; i++)
        {
            last = await factory.ClientWithKey($"pl_{Guid.NewGuid():N}"[..11] + "_" + Guid.NewGuid().ToString("N")).GetAsync("/v1/models");
            if (i < 20)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, last.StatusCode);
            }
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, last.StatusCode);
        Assert.True(last.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        var body = await last.Content.ReadAsStringAsync();
        Assert.Contains("\"code\":\"too_many_invalid_keys\"", body);
        Assert.Equal(HttpStatusCode.OK, (await valid.GetAsync("/v1/models")).StatusCode);
    }

    private static double Median(List<TimeSpan> times) => times.Select(t => t.TotalMilliseconds).Order().ElementAt(times.Count / 2);

    private sealed class CountingPasswordHasher : IPasswordHasher<ApplicationUser>
    {
        private readonly PasswordHasher<ApplicationUser> inner = new();
        private int verifications;

        public int Verifications => Volatile.Read(ref verifications);

        public string HashPassword(ApplicationUser user, string password) => inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(ApplicationUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref verifications);
            return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}
