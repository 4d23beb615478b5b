using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.Admin;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Sessions;

namespace PromptLeo.Tests.Web.Sessions;

/// <summary>Two independent cookie containers (two browsers) of one account: events in one must end the other.</summary>
public sealed partial class SessionTests(SessionPortalFactory factory) : IClassFixture<SessionPortalFactory>
{
    private const string Password = "Api-Passw0rd!";

    private async Task<(string UserId, string Email)> NewUserAsync()
    {
        var email = $"session-{Guid.NewGuid():N}@promptleo.test";
        return (await factory.CreateUserAsync(email), email);
    }

    private async Task<HttpClient> SignedInBrowserAsync(string email, string password = Password)
    {
        var client = factory.CreateBrowserLikeClient();
        var login = await PortalSession.LoginAsync(client, email, password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.DoesNotContain("Login", login.Headers.Location?.ToString() ?? "");
        Assert.True(await IsSignedInAsync(client));
        return client;
    }

    private static async Task<bool> IsSignedInAsync(HttpClient client)
    {
        var response = await client.GetAsync("/Account/Manage");
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return true;
        }
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/Login", response.Headers.Location!.ToString());
        return false;
    }

    private static async Task<HttpResponseMessage> PostFromSessionsPageAsync(HttpClient client, string action, IDictionary<string, string>? fields = null)
    {
        var page = await client.GetAsync("/Account/Manage/Sessions");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var form = new Dictionary<string, string>(fields ?? new Dictionary<string, string>())
        {
            ["__RequestVerificationToken"] = FormPost.AntiforgeryToken(await page.Content.ReadAsStringAsync()),
        };
        return await client.PostAsync($"/Account/Manage/Sessions/{action}", new FormUrlEncodedContent(form));
    }

    private async Task<List<UserSession>> SessionsOfAsync(string userId)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.UserSessions.AsNoTracking().Where(s => s.UserId == userId).ToListAsync();
    }

    [Fact]
    public async Task SessionsPage_TwoBrowsers_ListsBothWithDeviceNetworkAndRegion()
    {
        var (userId, email) = await NewUserAsync();
        var first = await SignedInBrowserAsync(email);
        var second = factory.CreateBrowserLikeClient();
        second.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0");
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(second, email, Password)).StatusCode);

        var html = await (await first.GetAsync("/Account/Manage/Sessions")).Content.ReadAsStringAsync();
        Assert.Equal(2, SessionIdPattern().Matches(html).Count);
        Assert.Contains("Firefox on Windows", html);
        Assert.Contains("data-current=\"true\"", html);
        Assert.Contains("DE", html);
        Assert.Equal(2, (await SessionsOfAsync(userId)).Count);
    }

    [Fact]
    public async Task SignOutEverywhere_EndsEveryBrowserOfTheAccount()
    {
        var (userId, email) = await NewUserAsync();
        var first = await SignedInBrowserAsync(email);
        var second = await SignedInBrowserAsync(email);
        var (_, otherEmail) = await NewUserAsync();
        var stranger = await SignedInBrowserAsync(otherEmail);

        var response = await PostFromSessionsPageAsync(first, "SignOutEverywhere");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/Login?signedOutEverywhere=1", response.Headers.Location!.ToString());

        Assert.False(await IsSignedInAsync(first));
        Assert.False(await IsSignedInAsync(second));
        Assert.Empty(await SessionsOfAsync(userId));
        Assert.True(await IsSignedInAsync(stranger)); // another account is untouched
        var login = await first.GetStringAsync("/Account/Login?signedOutEverywhere=1");
        Assert.Contains("signed out everywhere", login);
    }

    [Fact]
    public async Task EndSession_OtherBrowser_OnlyThatBrowserIsSignedOut()
    {
        var (userId, email) = await NewUserAsync();
        var first = await SignedInBrowserAsync(email);
        var second = await SignedInBrowserAsync(email);
        var html = await first.GetStringAsync("/Account/Manage/Sessions");
        var other = SessionIdPattern().Matches(html).Single(m => m.Groups[2].Value == "false").Groups[1].Value;

        var response = await PostFromSessionsPageAsync(first, "End", new Dictionary<string, string> { ["sessionId"] = other });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.EndsWith("/Account/Manage/Sessions?result=ended", response.Headers.Location!.ToString());

        Assert.False(await IsSignedInAsync(second));
        Assert.True(await IsSignedInAsync(first));
        Assert.Single(await SessionsOfAsync(userId));
    }

    [Fact]
    public async Task EndSession_AnotherUsersSessionId_NothingEnds()
    {
        var (_, email) = await NewUserAsync();
        var attacker = await SignedInBrowserAsync(email);
        var (victimId, victimEmail) = await NewUserAsync();
        var victim = await SignedInBrowserAsync(victimEmail);
        var victimSession = Assert.Single(await SessionsOfAsync(victimId));

        var response = await PostFromSessionsPageAsync(attacker, "End", new Dictionary<string, string> { ["sessionId"] = victimSession.Id.ToString() });
        Assert.EndsWith("/Account/Manage/Sessions?result=not-found", response.Headers.Location!.ToString());
        Assert.True(await IsSignedInAsync(victim));
        Assert.Single(await SessionsOfAsync(victimId));
    }

    [Fact]
    public async Task EndSession_MalformedIdOrNoToken_IsRejectedWithoutError()
    {
        var (_, email) = await NewUserAsync();
        var client = await SignedInBrowserAsync(email);
        var malformed = await PostFromSessionsPageAsync(client, "End", new Dictionary<string, string> { ["sessionId"] = "not-a-guid" });
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        var forged = await client.PostAsync("/Account/Manage/Sessions/SignOutEverywhere", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.True(await IsSignedInAsync(client));
    }

    [Fact]
    public async Task ChangePassword_OtherBrowserSignedOut_ThisOneStays()
    {
        var (_, email) = await NewUserAsync();
        var first = await SignedInBrowserAsync(email);
        var second = await SignedInBrowserAsync(email);

        var changed = await FormPost.SubmitAsync(first, "/Account/Manage/ChangePassword", "change-password", new Dictionary<string, string>
        {
            ["Input.OldPassword"] = Password,
            ["Input.NewPassword"] = "New-Passw0rd-123",
            ["Input.ConfirmPassword"] = "New-Passw0rd-123",
        });
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);

        Assert.True(await IsSignedInAsync(first));
        Assert.False(await IsSignedInAsync(second));
    }

    [Fact]
    public async Task ResetPasswordByMail_EveryBrowserSignedOut()
    {
        var (userId, email) = await NewUserAsync();
        var browser = await SignedInBrowserAsync(email);
        string code;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<ApplicationUser>>();
            code = Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(System.Text.Encoding.UTF8.GetBytes(
                await users.GeneratePasswordResetTokenAsync((await users.FindByIdAsync(userId))!)));
        }
        var anonymous = factory.CreateBrowserLikeClient();
        var reset = await FormPost.SubmitAsync(anonymous, $"/Account/ResetPassword?code={code}", "reset-password", new Dictionary<string, string>
        {
            ["Input.Code"] = System.Text.Encoding.UTF8.GetString(Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlDecode(code)),
            ["Input.Email"] = email,
            ["Input.Password"] = "Reset-Passw0rd-77",
            ["Input.ConfirmPassword"] = "Reset-Passw0rd-77",
        });
        Assert.Equal(HttpStatusCode.Redirect, reset.StatusCode);
        Assert.Contains("ResetPasswordConfirmation", reset.Headers.Location!.ToString());
        Assert.Empty(await SessionsOfAsync(userId));
        Assert.False(await IsSignedInAsync(browser));
    }

    [Fact]
    public async Task ChangedSecurityStamp_OtherBrowserSignedOutEvenWithItsSessionRow()
    {
        // The stamp check (Identity's validator on the cookie events) works on its own, not only through session rows.
        var (userId, email) = await NewUserAsync();
        var browser = await SignedInBrowserAsync(email);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<ApplicationUser>>();
            await users.UpdateSecurityStampAsync((await users.FindByIdAsync(userId))!);
        }
        Assert.Single(await SessionsOfAsync(userId));
        Assert.False(await IsSignedInAsync(browser));
    }

    [Fact]
    public async Task RemoveAdminRole_SignsOutThatAdminsBrowsers()
    {
        var (userId, email) = await NewUserAsync();
        var directory = factory.Services.GetRequiredService<AdminUserDirectory>();
        var adminId = await AdminIdAsync();
        Assert.True(await directory.SetAdminAsync(adminId, userId, true));
        var browser = await SignedInBrowserAsync(email);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/admin")).StatusCode);

        Assert.True(await directory.SetAdminAsync(adminId, userId, false));

        var admin = await browser.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, admin.StatusCode);
        Assert.Contains("/Account/Login", admin.Headers.Location!.ToString());
        Assert.False(await IsSignedInAsync(browser));
    }

    [Fact]
    public async Task Erasure_OtherBrowserSignedOutAndCannotCreateKeys()
    {
        var (userId, email) = await NewUserAsync();
        var browser = await SignedInBrowserAsync(email);
        var eraser = factory.Services.GetRequiredService<AccountEraser>();
        var job = await eraser.BeginAsync(userId, userId, CancellationToken.None);
        await eraser.ContinueAsync(job.Id);

        var keys = await browser.GetAsync("/api-keys");
        Assert.Equal(HttpStatusCode.Redirect, keys.StatusCode);
        Assert.Contains("/Account/Login", keys.Headers.Location!.ToString());
        Assert.Empty(await SessionsOfAsync(userId));
    }

    [Fact]
    public async Task DisableAccount_SignsOutStopsKeysAndSignIn_EnableRestores()
    {
        var (userId, email) = await NewUserAsync();
        var browser = await SignedInBrowserAsync(email);
        var key = await factory.CreateKeyAsync(userId);
        var api = factory.ClientWithKey(key.Secret);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/v1/models")).StatusCode);
        var directory = factory.Services.GetRequiredService<AdminUserDirectory>();
        var adminId = await AdminIdAsync();

        Assert.False(await directory.SetDisabledAsync(adminId, adminId, true)); // never oneself
        Assert.True(await directory.SetDisabledAsync(adminId, userId, true));
        Assert.False(await IsSignedInAsync(browser));
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/v1/models")).StatusCode);
        var refused = await PortalSession.LoginAsync(factory.CreateBrowserLikeClient(), email, Password);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("Invalid login attempt", await refused.Content.ReadAsStringAsync());

        Assert.True(await directory.SetDisabledAsync(adminId, userId, false));
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/v1/models")).StatusCode);
        await SignedInBrowserAsync(email);
    }

    [Fact]
    public async Task SignOut_DeletesTheSessionRow()
    {
        var (userId, email) = await NewUserAsync();
        var browser = await SignedInBrowserAsync(email);
        var page = await browser.GetStringAsync("/Account/Manage");
        var response = await browser.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = FormPost.AntiforgeryToken(page),
            ["ReturnUrl"] = "/",
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Empty(await SessionsOfAsync(userId));
    }

    [Fact]
    public async Task PurgeIdle_RemovesSessionsUnusedPastTheLifetime()
    {
        var (userId, email) = await NewUserAsync();
        var browser = await SignedInBrowserAsync(email);
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var lifetime = factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SessionsOptions>>().Value.IdleLifetime;
            var stale = DateTimeOffset.UtcNow - lifetime - TimeSpan.FromMinutes(1);
            await db.UserSessions.Where(s => s.UserId == userId).ExecuteUpdateAsync(u => u.SetProperty(s => s.LastSeenAt, stale));
        }
        // An idle session no longer signs anyone in, and the hourly purge deletes its row.
        Assert.False(await IsSignedInAsync(browser));
        Assert.True(await factory.Services.GetRequiredService<SessionStore>().PurgeIdleAsync() >= 1);
        Assert.Empty(await SessionsOfAsync(userId));
    }

    [Fact]
    public void Defaults_KeepThePagesPromises_OneMinuteAndFourteenDays()
    {
        Assert.True(new SessionsOptions().ValidationInterval <= TimeSpan.FromMinutes(1));
        Assert.Equal(TimeSpan.FromDays(14), new SessionsOptions().IdleLifetime);
    }

    [Fact]
    public async Task Export_ContainsTheSessionsWithoutFullAddresses()
    {
        var (userId, email) = await NewUserAsync();
        await SignedInBrowserAsync(email);
        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(), System.IO.Compression.ZipArchiveMode.Create, leaveOpen: false);
        var counts = await factory.Services.GetServices<IExportContributor>().OfType<SessionExportContributor>().Single().WriteAsync(zip, userId, CancellationToken.None);
        Assert.Equal(1, counts["sessions"]);
        Assert.Contains(factory.Services.GetServices<IErasureParticipant>(), p => p is SessionErasureParticipant);
    }

    [Fact]
    public async Task TechnicalMeasures_DescribeWaitsNotLockoutAndTheSessionCheck()
    {
        var measures = await factory.Services.GetRequiredService<PromptLeo.Web.Features.Reports.TechnicalMeasures>().DescribeAsync(new PromptLeo.Web.Features.Reports.ReportText("en"));
        var access = measures.Single(m => m.Area == "Access control").Measure;
        Assert.Contains("growing waits", access);
        Assert.Contains("API keys are not affected", access);
        Assert.Contains("re-checked every 0 s", access); // this fixture validates on every request
        Assert.DoesNotContain("lockout", access, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<string> AdminIdAsync()
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Users.Where(u => u.Email == PortalFactory.AdminEmail).Select(u => u.Id).SingleAsync();
    }

    [GeneratedRegex("data-session-id=\"([0-9a-f-]{36})\" data-current=\"(true|false)\"")]
    private static partial Regex SessionIdPattern();
}
