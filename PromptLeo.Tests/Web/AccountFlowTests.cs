using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web;

public abstract class AccountFlowTests<TPortal>(TPortal factory) : IClassFixture<TPortal>
    where TPortal : PortalFactory
{
    private const string Password = "Correct-Horse-42";

    [Fact]
    public async Task Register_ConfirmFromPickupFolder_ThenLoginSucceeds()
    {
        var client = factory.CreateBrowserLikeClient();
        var email = $"anna.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, email, Password);

        var profile = await client.GetAsync("/Account/Manage");
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);

        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = await users.FindByEmailAsync(email);
        Assert.True(await users.IsInRoleAsync(user!, Roles.User));
        Assert.False(await users.IsInRoleAsync(user!, Roles.Admin));
    }

    [Fact]
    public async Task Login_BeforeConfirmation_IsRefused()
    {
        var client = factory.CreateBrowserLikeClient();
        var email = $"unconfirmed.{Guid.NewGuid():N}@example.de";
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.RegisterAsync(client, email, Password)).StatusCode);

        var login = await PortalSession.LoginAsync(client, email, Password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("Invalid login attempt", await login.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Register_WeakPassword_ShowsLengthRule()
    {
        var client = factory.CreateBrowserLikeClient();
        var response = await PortalSession.RegisterAsync(client, $"weak.{Guid.NewGuid():N}@example.de", "short1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("at least 10", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Register_DuplicateEmail_ShowsAlreadyRegistered()
    {
        var client = factory.CreateBrowserLikeClient();
        var email = $"dup.{Guid.NewGuid():N}@example.de";
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.RegisterAsync(client, email, Password)).StatusCode);

        var second = await PortalSession.RegisterAsync(factory.CreateBrowserLikeClient(), email, Password);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Contains("already registered", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ConfirmEmail_ForgedCode_ShowsError()
    {
        var client = factory.CreateBrowserLikeClient();
        var email = $"forged.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterAsync(client, email, Password);
        var mail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, email);
        var link = new Uri(MailPickup.FirstLink(mail));
        var query = System.Web.HttpUtility.ParseQueryString(link.Query);

        var forged = await client.GetAsync($"/Account/ConfirmEmail?userId={query["userId"]}&code=Zm9yZ2VkLWNvZGU");
        var html = await forged.Content.ReadAsStringAsync();
        Assert.Contains("Error confirming your email", html);

        // The account stays unconfirmed.
        var login = await PortalSession.LoginAsync(client, email, Password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task ConfirmEmail_UnknownUser_ShowsError()
    {
        var client = factory.CreateBrowserLikeClient();
        var response = await client.GetAsync($"/Account/ConfirmEmail?userId={Guid.NewGuid()}&code=Zm9yZ2VkLWNvZGU");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task ResetPassword_ForgedCode_ShowsError()
    {
        var client = factory.CreateBrowserLikeClient();
        var email = $"reset.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, email, Password);

        var anonymous = factory.CreateBrowserLikeClient();
        var response = await FormPost.SubmitAsync(anonymous, "/Account/ResetPassword?code=Zm9yZ2VkLWNvZGU", "reset-password", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = "Another-Passw0rd-1",
            ["Input.ConfirmPassword"] = "Another-Passw0rd-1",
            ["Input.Code"] = "forged-code",
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("invalid or has expired", await response.Content.ReadAsStringAsync());

        // The old password still works.
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(factory.CreateBrowserLikeClient(), email, Password)).StatusCode);
    }

    [Fact]
    public async Task ForgotThenReset_WithMailedLink_ChangesPassword()
    {
        var client = factory.CreateBrowserLikeClient();
        var email = $"forgot.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, email, Password);
        foreach (var file in Directory.GetFiles(factory.MailDirectory))
        {
            File.Delete(file);
        }

        var anonymous = factory.CreateBrowserLikeClient();
        var forgot = await FormPost.SubmitAsync(anonymous, "/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = email });
        Assert.Equal(HttpStatusCode.Redirect, forgot.StatusCode);
        var mail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, email);
        var link = new Uri(MailPickup.FirstLink(mail));
        var code = System.Web.HttpUtility.ParseQueryString(link.Query)["code"]!;

        var reset = await FormPost.SubmitAsync(anonymous, link.PathAndQuery, "reset-password", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = "Brand-New-Passw0rd",
            ["Input.ConfirmPassword"] = "Brand-New-Passw0rd",
            ["Input.Code"] = code,
        });
        Assert.Equal(HttpStatusCode.Redirect, reset.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(factory.CreateBrowserLikeClient(), email, "Brand-New-Passw0rd")).StatusCode);
    }

    [Fact]
    public async Task Post_WithoutAntiforgeryToken_IsRejected()
    {
        var client = factory.CreateBrowserLikeClient();
        var response = await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["Input.Email"] = PortalFactory.AdminEmail,
            ["Input.Password"] = PortalFactory.AdminPassword,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("PromptLeo.Auth")));
    }

    [Fact]
    public async Task Logout_WithoutAntiforgeryToken_IsRejected()
    {
        var client = factory.CreateBrowserLikeClient();
        var response = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["ReturnUrl"] = "" }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task AdminPage_SignedInNonAdmin_Returns403()
    {
        var client = factory.CreateBrowserLikeClient();
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, $"user.{Guid.NewGuid():N}@example.de", Password);

        var response = await client.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("id=\"access-denied\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AdminPage_ConfiguredAdmin_Returns200()
    {
        var client = factory.CreateBrowserLikeClient();
        var login = await PortalSession.LoginAsync(client, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);

        var response = await client.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("id=\"admin-title\"", await response.Content.ReadAsStringAsync());
    }
}

public sealed class AccountFlowTests(PortalFactory factory) : AccountFlowTests<PortalFactory>(factory);

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class AccountFlowPostgresTests(PostgresPortal factory) : AccountFlowTests<PostgresPortal>(factory);
