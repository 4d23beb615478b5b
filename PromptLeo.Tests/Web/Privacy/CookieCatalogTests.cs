using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Tests.Web.Privacy;

/// <summary>The privacy policy's cookie table against the cookies the app really sets.</summary>
public sealed class CookieCatalogTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    /// <summary>Notes the name of every cookie a response sets (or clears).</summary>
    private sealed class SetCookieRecorder : DelegatingHandler
    {
        public ConcurrentBag<string> Names { get; } = [];

        public ConcurrentBag<string> Headers { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var cookies))
            {
                foreach (var cookie in cookies)
                {
                    Names.Add(cookie[..cookie.IndexOf('=')]);
                    Headers.Add(cookie);
                }
            }
            return response;
        }
    }

    [Fact]
    public async Task CookieTable_RegisterSignInCultureThemeSignOut_ListsEveryCookieSet()
    {
        var recorder = new SetCookieRecorder();
        var client = factory.CreateDefaultClient(recorder, new CookieContainerHandler());

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await FormPost.PostWithTokenFromAsync(client, "/", "/preferences/culture/de", new Dictionary<string, string> { ["returnUrl"] = "/" })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await FormPost.PostWithTokenFromAsync(client, "/", "/preferences/theme/dark", new Dictionary<string, string> { ["returnUrl"] = "/" })).StatusCode);
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, $"cookies-{Guid.NewGuid():N}@promptleo.test", "Cookie-Passw0rd!");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Account/Manage")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await FormPost.PostWithTokenFromAsync(client, "/Account/Manage", "/Account/Logout", new Dictionary<string, string> { ["ReturnUrl"] = "" })).StatusCode);

        var seen = recorder.Names.ToHashSet();
        Assert.Contains(CookieCatalog.AuthCookie, seen);
        Assert.Contains(".AspNetCore.Culture", seen);
        Assert.Contains("PromptLeo.Theme", seen);
        Assert.Contains(seen, name => name.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        // The lifetimes the table states: a year for the preferences, the browser session for sign-in (no "Remember me") and forms.
        var yearLong = Set(recorder, ".AspNetCore.Culture=").Concat(Set(recorder, "PromptLeo.Theme=")).ToList();
        var sessionLong = Set(recorder, ".AspNetCore.Antiforgery.").Concat(Set(recorder, CookieCatalog.AuthCookie + "=")).ToList();
        Assert.True(yearLong.Count >= 2 && sessionLong.Count >= 2);
        Assert.All(yearLong, h => Assert.InRange(Expires(h)!.Value, DateTimeOffset.UtcNow.AddDays(364), DateTimeOffset.UtcNow.AddDays(366)));
        Assert.All(sessionLong, h => Assert.Null(Expires(h)));
        AssertAllListed(seen);
    }

    [Fact]
    public async Task CookieTable_TwoFactorSignInRememberingTheMachine_ListsEveryCookieSet()
    {
        var user = await PrivacySeed.CreateAsync(factory);
        string key;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var account = (await users.FindByIdAsync(user.Id))!;
            await users.ResetAuthenticatorKeyAsync(account);
            key = (await users.GetAuthenticatorKeyAsync(account))!;
            await users.SetTwoFactorEnabledAsync(account, true);
        }
        var recorder = new SetCookieRecorder();
        var client = factory.CreateDefaultClient(recorder, new CookieContainerHandler());

        var password = await PortalSession.LoginAsync(client, user.Email, user.Password);
        var secondStep = new Uri(new Uri("http://localhost"), password.Headers.Location!).PathAndQuery;
        Assert.StartsWith("/Account/LoginWith2fa", secondStep);
        var second = await FormPost.SubmitAsync(client, secondStep, "login-with-2fa", new Dictionary<string, string>
        {
            ["Input.TwoFactorCode"] = Totp.Code(key),
            ["Input.RememberMachine"] = "true",
        });

        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        var seen = recorder.Names.ToHashSet();
        Assert.Contains("Identity.TwoFactorUserId", seen);
        Assert.Contains("Identity.TwoFactorRememberMe", seen);
        Assert.Contains(CookieCatalog.AuthCookie, seen);
        Assert.NotEmpty(Set(recorder, "Identity.TwoFactorUserId="));
        Assert.NotEmpty(Set(recorder, "Identity.TwoFactorRememberMe="));
        Assert.All(Set(recorder, "Identity.TwoFactorUserId="), h => Assert.Null(Expires(h)));
        Assert.All(Set(recorder, "Identity.TwoFactorRememberMe="), h => Assert.InRange(Expires(h)!.Value, DateTimeOffset.UtcNow.AddDays(13), DateTimeOffset.UtcNow.AddDays(15)));
        AssertAllListed(seen);
    }

    private static void AssertAllListed(IEnumerable<string> seen)
    {
        var catalog = CookieCatalog.Describe(new ReportText("en"));
        var missing = seen.Where(name => !catalog.Any(c => c.Matches(name))).ToList();
        Assert.True(missing.Count == 0, $"Cookies set but not in the privacy policy's table: {string.Join(", ", missing)}");
    }

    /// <summary>Set-Cookie headers that set a value (not the ones that clear the cookie).</summary>
    private static IEnumerable<string> Set(SetCookieRecorder recorder, string prefix) =>
        recorder.Headers.Where(h => h.StartsWith(prefix, StringComparison.Ordinal) && !h.Contains("=;", StringComparison.Ordinal));

    private static DateTimeOffset? Expires(string setCookie) =>
        setCookie.Split("; ").FirstOrDefault(a => a.StartsWith("expires=", StringComparison.OrdinalIgnoreCase)) is { } expires
            ? DateTimeOffset.Parse(expires["expires=".Length..], System.Globalization.CultureInfo.InvariantCulture)
            : null;

    [Fact]
    public void CookieTable_BothLanguages_SameCookiesWithPurposeAndLifetime()
    {
        var english = CookieCatalog.Describe(new ReportText("en"));
        var german = CookieCatalog.Describe(new ReportText("de"));

        Assert.Equal(english.Select(c => c.Name), german.Select(c => c.Name));
        Assert.All(english.Concat(german), c => Assert.False(string.IsNullOrWhiteSpace(c.Purpose) || string.IsNullOrWhiteSpace(c.Lifetime)));
        Assert.All(english.Zip(german), pair => Assert.NotEqual(pair.First.Purpose, pair.Second.Purpose));
    }
}
