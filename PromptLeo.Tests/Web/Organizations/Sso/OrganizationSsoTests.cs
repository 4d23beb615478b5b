using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Organizations;
using PromptLeo.Web.Features.Organizations.Sso;

namespace PromptLeo.Tests.Web.Organizations.Sso;

/// <summary>
/// Organization sign-in through a real OpenID Connect provider on loopback: the full redirect flow over HTTP (login page →
/// provider → callback → completion), with the portal's cookies kept as a browser keeps them.
/// </summary>
public sealed class OrganizationSsoTests(SsoPortal portal) : IClassFixture<SsoPortal>
{
    private static string NewEmail(string domain = SsoPortal.Domain) => $"p{Guid.NewGuid().ToString("N")[..10]}@{domain}";

    /// <summary>
    /// Enters <paramref name="email"/> on the login page's SSO form, lets the provider answer for its current user, brings
    /// the provider's answer back to the portal (optionally altered) and follows the portal to its final answer.
    /// </summary>
    private async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string email, Func<Uri, Uri>? alterCallback = null, Func<Task>? beforeCallback = null)
    {
        var start = await FormPost.PostWithTokenFromAsync(browser, "/Account/Login", "/organization/sso/start",
            new Dictionary<string, string> { ["email"] = email, ["returnUrl"] = "/chat" });
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var authorize = start.Headers.Location!;
        if (!authorize.IsAbsoluteUri)
        {
            return start; // refused before the provider: the login page with a message
        }
        Assert.StartsWith(portal.Provider.Issuer + "connect/authorize?", authorize.AbsoluteUri);
        var query = QueryHelpers.ParseQuery(authorize.Query);
        Assert.Equal(("code", "S256", SsoPortal.ClientId), (query["response_type"].ToString(), query["code_challenge_method"].ToString(), query["client_id"].ToString()));
        Assert.All(new[] { "code_challenge", "state", "nonce" }, name => Assert.False(string.IsNullOrEmpty(query[name])));
        Assert.False(query.ContainsKey("response_mode")); // the code flow's default: the answer comes back as a GET with a query
        Assert.DoesNotContain(SsoPortal.ClientSecret, authorize.AbsoluteUri);
        Assert.Equal(["openid", "profile", "email"], query["scope"].ToString().Split(' '));

        using var atProvider = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var answer = await atProvider.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        var callback = answer.Headers.Location!;
        Assert.Equal(SsoSchemes.CallbackPath(portal.OrganizationId), callback.AbsolutePath);
        if (beforeCallback is not null)
        {
            await beforeCallback();
        }
        var back = await browser.GetAsync((alterCallback?.Invoke(callback) ?? callback).PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        return back.Headers.Location?.OriginalString == "/organization/sso/complete" ? await browser.GetAsync("/organization/sso/complete") : back;
    }

    private async Task<int> SessionsOfAsync(string email)
    {
        await using var db = await portal.DbAsync();
        var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        return await db.UserSessions.CountAsync(s => s.UserId == userId);
    }

    private static void AssertRefused(HttpResponseMessage response, string code)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Account/Login?sso=" + code, response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task SignIn_NewPerson_AccountCreatedJoinedWithDefaultRoleActiveOrganizationAndSession()
    {
        var email = NewEmail();
        portal.Provider.User = new OidcUser("sub-" + email, email, true, "de-DE");
        var browser = portal.CreateBrowserLikeClient();

        var done = await SignInAsync(browser, email);

        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal("/chat", done.Headers.Location?.OriginalString);
        Assert.Equal(email, portal.Provider.LastLoginHint);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/chat")).StatusCode);
        await using var db = await portal.DbAsync();
        var user = await db.Users.SingleAsync(u => u.Email == email);
        Assert.True(user.EmailConfirmed);
        Assert.Null(user.PasswordHash);
        Assert.Equal("de", user.PreferredLanguage);
        Assert.Equal(portal.OrganizationId, user.ActiveOrganizationId);
        var member = await db.OrganizationMembers.SingleAsync(m => m.UserId == user.Id && m.OrganizationId == portal.OrganizationId);
        Assert.Equal(OrganizationRole.Member, member.Role);
        var login = await db.UserLogins.SingleAsync(l => l.UserId == user.Id);
        Assert.Equal((SsoSchemes.LoginProvider, portal.Provider.Issuer + "|sub-" + email), (login.LoginProvider, login.ProviderKey));
        Assert.Equal(1, await db.UserSessions.CountAsync(s => s.UserId == user.Id));
        var joined = await db.AuditEntries.SingleAsync(a => a.OrganizationId == portal.OrganizationId && a.ActorId == user.Id);
        Assert.Equal(OrganizationAuditActions.MemberJoined, joined.Action);
        Assert.StartsWith("sso", joined.Details);
    }

    [Fact]
    public async Task SignIn_SecondTime_ReusesTheAccountAndMembershipWithANewSession()
    {
        var email = NewEmail();
        portal.Provider.User = new OidcUser("sub-" + email, email, Locale: "en-GB");
        Assert.Equal("/chat", (await SignInAsync(portal.CreateBrowserLikeClient(), email)).Headers.Location?.OriginalString);
        var second = portal.CreateBrowserLikeClient();

        var again = await SignInAsync(second, email);

        Assert.Equal("/chat", again.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/chat")).StatusCode);
        await using var db = await portal.DbAsync();
        var user = await db.Users.SingleAsync(u => u.Email == email);
        Assert.Equal("en", user.PreferredLanguage);
        Assert.Equal(1, await db.OrganizationMembers.CountAsync(m => m.UserId == user.Id && m.OrganizationId == portal.OrganizationId));
        Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.ActorId == user.Id && a.Action == OrganizationAuditActions.MemberJoined));
        Assert.Equal(2, await db.UserSessions.CountAsync(s => s.UserId == user.Id));
    }

    [Fact]
    public async Task SignIn_SignOutEverywhere_EndsTheSsoSessionLikeAnyOther()
    {
        var email = NewEmail();
        portal.Provider.User = new OidcUser("sub-" + email, email);
        var browser = portal.CreateBrowserLikeClient();
        await SignInAsync(browser, email);

        var ended = await FormPost.PostWithTokenFromAsync(browser, "/Account/Manage/Sessions", "/Account/Manage/Sessions/SignOutEverywhere", new Dictionary<string, string>());

        Assert.Equal("/Account/Login?signedOutEverywhere=1", ended.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/chat")).StatusCode);
        Assert.Equal(0, await SessionsOfAsync(email));
    }

    [Fact]
    public async Task SignIn_EmailOutsideTheVerifiedDomains_RefusedWithMessageAndNoAccount()
    {
        var foreign = NewEmail("elsewhere.test");
        portal.Provider.User = new OidcUser("sub-" + foreign, foreign);
        var browser = portal.CreateBrowserLikeClient();

        var refused = await SignInAsync(browser, NewEmail());

        AssertRefused(refused, SsoMessages.DomainNotVerified);
        var page = await (await browser.GetAsync(refused.Headers.Location!.OriginalString)).Content.ReadAsStringAsync();
        Assert.Contains("id=\"sso-error\"", page);
        Assert.Contains("outside the domains", page);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/chat")).StatusCode);
        await using var db = await portal.DbAsync();
        Assert.False(await db.Users.AnyAsync(u => u.Email == foreign));
    }

    [Fact]
    public async Task SignIn_ProviderSendsNoEmailOrAnUnverifiedOne_Refused()
    {
        var email = NewEmail();
        portal.Provider.User = new OidcUser("sub-" + email, email, EmailVerified: false);

        AssertRefused(await SignInAsync(portal.CreateBrowserLikeClient(), email), SsoMessages.EmailNotVerified);
        portal.Provider.User = new OidcUser("sub-" + email, "");
        AssertRefused(await SignInAsync(portal.CreateBrowserLikeClient(), email), SsoMessages.NoEmail);

        await using var db = await portal.DbAsync();
        Assert.False(await db.Users.AnyAsync(u => u.Email == email));
    }

    [Fact]
    public async Task Start_UnknownDomainOrNoAddress_RefusedBeforeTheProvider()
    {
        var before = portal.Provider.AuthorizationRequests;

        AssertRefused(await SignInAsync(portal.CreateBrowserLikeClient(), NewEmail("nobody.test")), SsoMessages.UnknownDomain);
        AssertRefused(await SignInAsync(portal.CreateBrowserLikeClient(), "not-an-address"), SsoMessages.InvalidEmail);

        Assert.Equal(before, portal.Provider.AuthorizationRequests);
    }

    [Fact]
    public async Task SignIn_ConfigurationSwitchedOff_RefusedAtStartAndAtAnAnswerAlreadyUnderWay()
    {
        var email = NewEmail();
        portal.Provider.User = new OidcUser("sub-" + email, email);
        try
        {
            var underWay = await SignInAsync(portal.CreateBrowserLikeClient(), email,
                beforeCallback: async () => Assert.Equal(HttpStatusCode.Redirect, (await portal.SaveSettingsAsync(portal.Owner, enabled: false)).StatusCode));
            AssertRefused(underWay, SsoMessages.Disabled);
            var before = portal.Provider.AuthorizationRequests;
            AssertRefused(await SignInAsync(portal.CreateBrowserLikeClient(), email), SsoMessages.Disabled);
            Assert.Equal(before, portal.Provider.AuthorizationRequests);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.Redirect, (await portal.SaveSettingsAsync(portal.Owner, enabled: true)).StatusCode);
        }
        await using var db = await portal.DbAsync();
        Assert.False(await db.Users.AnyAsync(u => u.Email == email));
    }

    [Fact]
    public async Task Callback_TamperedStateOrAnotherBrowser_RefusedWithoutServerError()
    {
        var email = NewEmail();
        portal.Provider.User = new OidcUser("sub-" + email, email);
        static Uri Tamper(Uri callback)
        {
            var query = QueryHelpers.ParseQuery(callback.Query);
            var state = query["state"].ToString();
            var flipped = state[..^5] + (state[^5] == 'A' ? 'B' : 'A') + state[^4..];
            return new Uri(QueryHelpers.AddQueryString(callback.GetLeftPart(UriPartial.Path), new Dictionary<string, string?> { ["code"] = query["code"], ["state"] = flipped }));
        }

        var logged = portal.Logs.Lines.Count;
        AssertRefused(await SignInAsync(portal.CreateBrowserLikeClient(), email, Tamper), SsoMessages.Failed);
        // The person cancels at the provider: its error answer with the genuine state.
        AssertRefused(await SignInAsync(portal.CreateBrowserLikeClient(), email, callback => new Uri(QueryHelpers.AddQueryString(callback.GetLeftPart(UriPartial.Path),
            new Dictionary<string, string?> { ["error"] = "access_denied", ["state"] = QueryHelpers.ParseQuery(callback.Query)["state"] }))), SsoMessages.Failed);

        // The provider's answer replayed in a browser that did not start the sign-in: no correlation cookie.
        Uri? stolen = null;
        await SignInAsync(portal.CreateBrowserLikeClient(), email, callback => stolen = callback);
        var replay = await portal.CreateBrowserLikeClient().GetAsync(stolen!.PathAndQuery);
        AssertRefused(replay, SsoMessages.Failed);
        var errors = portal.Logs.Lines.Skip(logged).Where(line => line.StartsWith("Error", StringComparison.Ordinal) || line.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task SignIn_DisabledAccount_RefusedAndNoSessionStarts()
    {
        var email = NewEmail();
        portal.Provider.User = new OidcUser("sub-" + email, email);
        await SignInAsync(portal.CreateBrowserLikeClient(), email);
        await using (var db = await portal.DbAsync())
        {
            await db.Users.Where(u => u.Email == email).ExecuteUpdateAsync(s => s.SetProperty(u => u.DisabledAt, DateTimeOffset.UtcNow));
        }
        var browser = portal.CreateBrowserLikeClient();

        AssertRefused(await SignInAsync(browser, email), SsoMessages.AccountDisabled);

        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/chat")).StatusCode);
        Assert.Equal(1, await SessionsOfAsync(email));
    }

    [Fact]
    public async Task SignIn_ExistingAccountNotAMember_RefusedAndLeftUntouched()
    {
        var email = NewEmail();
        var userId = await portal.CreateAccountAsync(email);
        portal.Provider.User = new OidcUser("sub-" + email, email);

        AssertRefused(await SignInAsync(portal.CreateBrowserLikeClient(), email), SsoMessages.AccountNotMember);

        await using var db = await portal.DbAsync();
        Assert.False(await db.UserLogins.AnyAsync(l => l.UserId == userId));
        Assert.False(await db.OrganizationMembers.AnyAsync(m => m.UserId == userId && m.OrganizationId == portal.OrganizationId));
    }

    [Fact]
    public async Task SignIn_ExistingMemberByEmail_LinkedAndKeepsTheirRole()
    {
        var email = NewEmail();
        var userId = await portal.CreateAccountAsync(email);
        await using (var db = await portal.DbAsync())
        {
            db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = portal.OrganizationId, UserId = userId, Role = OrganizationRole.Admin });
            await db.SaveChangesAsync();
        }
        portal.Provider.User = new OidcUser("sub-" + email, email);

        Assert.Equal("/chat", (await SignInAsync(portal.CreateBrowserLikeClient(), email)).Headers.Location?.OriginalString);

        await using var check = await portal.DbAsync();
        Assert.True(await check.UserLogins.AnyAsync(l => l.UserId == userId && l.LoginProvider == SsoSchemes.LoginProvider));
        Assert.Equal(OrganizationRole.Admin, (await check.OrganizationMembers.SingleAsync(m => m.UserId == userId && m.OrganizationId == portal.OrganizationId)).Role);
    }

    [Fact]
    public async Task SignIn_WholeFlow_LogsNoAddressSubjectOrSecret()
    {
        var email = NewEmail();
        portal.Provider.User = new OidcUser("subject-logcheck-" + email[1..6], email);

        await SignInAsync(portal.CreateBrowserLikeClient(), email);
        AssertRefused(await SignInAsync(portal.CreateBrowserLikeClient(), NewEmail("nobody.test")), SsoMessages.UnknownDomain);

        var leaks = portal.Logs.Lines.Where(l => l.Contains(email, StringComparison.OrdinalIgnoreCase) || l.Contains(email[..11], StringComparison.OrdinalIgnoreCase)
            || l.Contains("subject-logcheck") || l.Contains(SsoPortal.ClientSecret)).ToList();
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
    }

    [Fact]
    public async Task SsoLink_InTheExportAndErasedWithTheAccount()
    {
        var email = NewEmail();
        portal.Provider.User = new OidcUser("sub-export-" + email[1..6], email);
        await SignInAsync(portal.CreateBrowserLikeClient(), email);
        string userId;
        await using (var db = await portal.DbAsync())
        {
            userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
            using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(), System.IO.Compression.ZipArchiveMode.Update, leaveOpen: false);
            var archive = new PromptLeo.Web.Features.Privacy.ExportArchive(zip, userId, () => Task.CompletedTask);
            var counts = await portal.Services.GetServices<PromptLeo.Web.Features.Privacy.IExportContributor>().OfType<SsoLoginExportContributor>().Single()
                .WriteAsync(archive, db, CancellationToken.None);
            Assert.Equal(1, counts["single sign-on links"]);
            await using var json = await zip.GetEntry("sso-logins.json")!.OpenAsync();
            var text = await new StreamReader(json).ReadToEndAsync();
            Assert.Contains(portal.Provider.Issuer, text);
            Assert.Contains("sub-export-" + email[1..6], text);
        }

        await portal.Services.GetRequiredService<PromptLeo.Web.Features.Privacy.AccountEraser>().EraseAsync(userId, userId);

        await using var check = await portal.DbAsync();
        Assert.False(await check.UserLogins.AnyAsync(l => l.UserId == userId));
        Assert.False(await check.OrganizationMembers.AnyAsync(m => m.UserId == userId));
    }

    [Fact]
    public async Task Settings_NewSecret_TakesEffectAtTheNextSignIn()
    {
        var email = NewEmail();
        portal.Provider.User = new OidcUser("sub-" + email, email);
        try
        {
            Assert.Equal(HttpStatusCode.Redirect, (await portal.SaveSettingsAsync(portal.Owner, enabled: true, secret: "a-wrong-secret")).StatusCode);
            // The provider refuses the code exchange with the wrong secret: the scheme was rebuilt with the new one.
            AssertRefused(await SignInAsync(portal.CreateBrowserLikeClient(), email), SsoMessages.Failed);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.Redirect, (await portal.SaveSettingsAsync(portal.Owner, enabled: true)).StatusCode);
        }
        Assert.Equal("/chat", (await SignInAsync(portal.CreateBrowserLikeClient(), email)).Headers.Location?.OriginalString);
    }
}
