using Microsoft.AspNetCore.DataProtection;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Organizations;
using PromptLeo.Web.Features.Organizations.Sso;

namespace PromptLeo.Tests.Web.Organizations.Sso;

/// <summary>The settings page and service: owners only, the secret protected and never shown, every change audited, bad input refused.</summary>
public sealed class OrganizationSsoSettingsTests(SsoPortal portal) : IClassFixture<SsoPortal>
{
    private OrganizationSsoSettings Settings => portal.Services.GetRequiredService<OrganizationSsoSettings>();

    private SsoSettingsInput Input(string? authority = null, string domains = SsoPortal.Domain, OrganizationRole role = OrganizationRole.Member, string? secret = null) =>
        new(authority ?? portal.Provider.Issuer, SsoPortal.ClientId, secret, domains, role, true);

    [Fact]
    public async Task Page_Owner_SeesSettingsButNeverTheSecret()
    {
        var response = await portal.Owner.GetAsync("/organization/sso");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains(SsoPortal.ClientId, html);
        Assert.Contains("http://localhost" + SsoSchemes.CallbackPath(portal.OrganizationId), html);
        Assert.Contains("leave empty to keep it", html);
        Assert.DoesNotContain(SsoPortal.ClientSecret, html);
        await using var db = await portal.DbAsync();
        var row = await db.OrganizationSso.SingleAsync(s => s.OrganizationId == portal.OrganizationId);
        Assert.DoesNotContain(SsoPortal.ClientSecret, row.ProtectedClientSecret);
        Assert.Equal(SsoPortal.ClientSecret, portal.Services.GetRequiredService<IDataProtectionProvider>()
            .CreateProtector("PromptLeo.OrganizationSso.ClientSecret.v1").Unprotect(row.ProtectedClientSecret));
        var audit = await db.AuditEntries.Where(a => a.OrganizationId == portal.OrganizationId && a.Action == SsoAuditActions.Configured).ToListAsync();
        Assert.NotEmpty(audit);
        Assert.All(audit, a => Assert.Equal(portal.OwnerId, a.ActorId));
        Assert.All(audit, a => Assert.DoesNotContain(SsoPortal.ClientSecret, a.Details));
        Assert.DoesNotContain(portal.Logs.Lines, l => l.Contains(SsoPortal.ClientSecret));
    }

    [Fact]
    public async Task Save_BlankSecret_KeepsTheStoredOne()
    {
        await using var db = await portal.DbAsync();
        var before = await db.OrganizationSso.AsNoTracking().SingleAsync(s => s.OrganizationId == portal.OrganizationId);

        var saved = await portal.SaveSettingsAsync(portal.Owner, enabled: true, secret: "");

        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var after = await db.OrganizationSso.AsNoTracking().SingleAsync(s => s.OrganizationId == portal.OrganizationId);
        Assert.Equal(before.ProtectedClientSecret, after.ProtectedClientSecret);
        Assert.NotEqual(before.Version, after.Version);
    }

    [Fact]
    public async Task Page_MemberOrPersonalOrganization_Forbidden()
    {
        var member = portal.CreateBrowserLikeClient();
        await PortalSession.RegisterConfirmAndLoginAsync(portal, member, "admin-member@elsewhere.test", "Member-Passw0rd!");
        await using (var db = await portal.DbAsync())
        {
            var memberId = await db.Users.Where(u => u.Email == "admin-member@elsewhere.test").Select(u => u.Id).SingleAsync();
            var personal = await member.GetAsync("/organization/sso");
            Assert.Equal(HttpStatusCode.Forbidden, personal.StatusCode);
            db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = portal.OrganizationId, UserId = memberId, Role = OrganizationRole.Admin });
            await db.SaveChangesAsync();
            Assert.True(await portal.Services.GetRequiredService<OrganizationDirectory>().SetActiveAsync(memberId, portal.OrganizationId));

            var response = await member.GetAsync("/organization/sso");

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains("sso-owners-only", html);
            Assert.DoesNotContain("Input.ClientId", html);
            // The service checks the role itself, whatever the browser sends.
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Settings.SaveAsync(memberId, portal.OrganizationId, Input(secret: "x")));
        }
    }

    [Fact]
    public async Task Save_InvalidInput_RefusedWithAClearMessage()
    {
        var invalid = await portal.SaveSettingsAsync(portal.Owner, enabled: true, authority: "http://idp.example.com/realms/firma");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("must start with https://", await invalid.Content.ReadAsStringAsync());

        await Assert.ThrowsAsync<SsoSettingsException>(() => Settings.SaveAsync(portal.OwnerId, portal.OrganizationId, Input(role: OrganizationRole.Owner)));
        var domain = await Assert.ThrowsAsync<SsoSettingsException>(() => Settings.SaveAsync(portal.OwnerId, portal.OrganizationId, Input(domains: "firma.test, not_a_domain")));
        Assert.Equal("not_a_domain", domain.Arguments.Single());
        await Assert.ThrowsAsync<SsoSettingsException>(() => Settings.SaveAsync(portal.OwnerId, portal.OrganizationId, Input(authority: "not a url")));
        await using var db = await portal.DbAsync();
        Assert.Equal([SsoPortal.Domain], (await db.OrganizationSso.SingleAsync(s => s.OrganizationId == portal.OrganizationId)).Domains);
    }

    [Fact]
    public async Task Save_DomainOfAnotherOrganization_Refused()
    {
        var directory = portal.Services.GetRequiredService<OrganizationDirectory>();
        var other = await directory.CreateAsync(portal.OwnerId, new OrganizationDetails("Andere AG", null, null, null, "DE", null, "de"));

        var taken = await Assert.ThrowsAsync<SsoSettingsException>(() => Settings.SaveAsync(portal.OwnerId, other, Input(domains: "andere.test FIRMA.test", secret: "other-secret")));

        Assert.Equal(SsoPortal.Domain, taken.Arguments.Single());
        await using var db = await portal.DbAsync();
        Assert.False(await db.OrganizationSso.AnyAsync(s => s.OrganizationId == other));
    }

    [Fact]
    public async Task Save_LoopbackHttpWithoutTheOperatorsConsent_Refused()
    {
        var strict = new OrganizationSsoSettings(portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>(), portal.Services.GetRequiredService<OrganizationDirectory>(),
            portal.Services.GetRequiredService<SsoSchemes>(), Options.Create(new SsoOptions()), TimeProvider.System, NullLogger<OrganizationSsoSettings>.Instance);

        var refused = await Assert.ThrowsAsync<SsoSettingsException>(() => strict.SaveAsync(portal.OwnerId, portal.OrganizationId, Input()));

        Assert.Contains("https://", refused.Message);
    }

    [Fact]
    public async Task LoginPage_OffersSingleSignOnAndExplainsRefusalsInGerman()
    {
        var html = await (await portal.CreateBrowserLikeClient().GetAsync("/Account/Login")).Content.ReadAsStringAsync();
        Assert.Contains("action=\"/organization/sso/start\"", html);
        Assert.Contains("Sign in with your organization (SSO)", html);

        var german = portal.CreateBrowserLikeClient();
        german.DefaultRequestHeaders.AcceptLanguage.ParseAdd("de-DE");
        var refused = await (await german.GetAsync("/Account/Login?sso=" + SsoMessages.Disabled)).Content.ReadAsStringAsync();
        Assert.Contains("Mit Ihrer Organisation anmelden (SSO)", refused);
        Assert.Contains("Single Sign-on ist für diese Organisation ausgeschaltet", System.Net.WebUtility.HtmlDecode(refused));
    }
}

/// <summary>Every SSO string the login form, the settings page and the refusals show has a German entry.</summary>
public sealed partial class SsoLocalizationTests
{
    [Fact]
    public void SsoStrings_EveryOne_HasGermanEntry()
    {
        var keys = GermanStrings.Keys(LocalizerKey(), 1, "Features/Organizations/Sso")
            .Concat(GermanStrings.Keys(SettingsRefusal(), 1, "Features/Organizations/Sso"))
            .Concat(SsoMessages.Text.Values.Select(text => ("SsoMessages.cs", text)))
            .Concat(new[] { OrganizationRole.Member, OrganizationRole.Admin, OrganizationRole.Billing }.Select(role => ("OrganizationSsoPage.razor", role.ToString())))
            .ToList();

        var missing = GermanStrings.Missing(GermanStrings.Load("SsoResource"), keys);

        Assert.True(keys.Count >= 35, $"found only {keys.Count} strings");
        Assert.True(missing.Count == 0, "Missing German strings:\n" + string.Join("\n", missing));
    }

    [System.Text.RegularExpressions.GeneratedRegex("""\bS\["((?:[^"\\]|\\.)+)"[,\]]""")]
    private static partial System.Text.RegularExpressions.Regex LocalizerKey();

    [System.Text.RegularExpressions.GeneratedRegex("""SsoSettingsException\("((?:[^"\\]|\\.)+)"[,)]""")]
    private static partial System.Text.RegularExpressions.Regex SettingsRefusal();
}
