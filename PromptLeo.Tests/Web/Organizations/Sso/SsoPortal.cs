using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Organizations;
using PromptLeo.Web.Features.Organizations.Sso;

namespace PromptLeo.Tests.Web.Organizations.Sso;

/// <summary>
/// The portal with a company organization ("Firma GmbH", domain firma.test) whose owner set up single sign-on through the
/// settings page against a real OpenID Connect provider (OpenIddict) on loopback. Logs are kept for the privacy check.
/// </summary>
public sealed class SsoPortal : PortalFactory, IAsyncLifetime
{
    public const string Domain = "firma.test";
    public const string ClientId = "promptleo-firma";
    public const string ClientSecret = "s3cret-Client-Value-7f1c9a";
    public const string OwnerEmail = "owner@owner.test";
    private const string OwnerPassword = "Owner-Passw0rd!";

    public OidcProvider Provider { get; private set; } = null!;

    public CapturingLoggerProvider Logs { get; } = new();

    public Guid OrganizationId { get; private set; }

    public string OwnerId { get; private set; } = "";

    /// <summary>The owner's signed-in browser.</summary>
    public HttpClient Owner { get; private set; } = null!;

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Sso:AllowLoopbackHttp"] = "true",
        ["Logging:LogLevel:Default"] = "Debug",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs));
    }

    public async Task InitializeAsync()
    {
        Provider = await OidcProvider.StartAsync();
        Owner = CreateBrowserLikeClient();
        await PortalSession.RegisterConfirmAndLoginAsync(this, Owner, OwnerEmail, OwnerPassword);
        await using (var db = await DbAsync())
        {
            OwnerId = await db.Users.Where(u => u.Email == OwnerEmail).Select(u => u.Id).SingleAsync();
        }
        var directory = Services.GetRequiredService<OrganizationDirectory>();
        OrganizationId = await directory.CreateAsync(OwnerId, new OrganizationDetails("Firma GmbH", null, null, null, "DE", null, "de"));
        Assert.True(await directory.SetActiveAsync(OwnerId, OrganizationId));
        await Provider.RegisterClientAsync(ClientId, ClientSecret, "http://localhost" + SsoSchemes.CallbackPath(OrganizationId));
        var saved = await SaveSettingsAsync(Owner, enabled: true);
        Assert.True(saved.StatusCode == HttpStatusCode.Redirect, string.Join("\n", Logs.Lines.Where(l => l.StartsWith("Error") || l.StartsWith("Warn"))));
    }

    /// <summary>Submits the settings page as <paramref name="browser"/> would, with the secret typed in.</summary>
    public Task<HttpResponseMessage> SaveSettingsAsync(HttpClient browser, bool enabled, string? authority = null, string domains = Domain, string role = "Member", string secret = ClientSecret)
    {
        var fields = new Dictionary<string, string>
        {
            ["Input.Authority"] = authority ?? Provider.Issuer,
            ["Input.ClientId"] = ClientId,
            ["Input.ClientSecret"] = secret,
            ["Input.Domains"] = domains,
            ["Input.JoinRole"] = role,
        };
        if (enabled)
        {
            fields["Input.Enabled"] = "true";
        }
        return FormPost.SubmitAsync(browser, "/organization/sso", "sso-settings", fields);
    }

    public async Task<AppDbContext> DbAsync() => await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    /// <summary>A confirmed account with a password, made directly in the store (someone who registered on their own).</summary>
    public async Task<string> CreateAccountAsync(string email)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
        Assert.True((await users.CreateAsync(user, "Own-Passw0rd-123")).Succeeded);
        return user.Id;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await Provider.DisposeAsync();
    }
}
