using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Organizations;

namespace PromptLeo.Tests.Web.Organizations;

/// <summary>The organization pages answer 404 to non-members and 403 to roles without the page; the join link and the switcher.</summary>
public sealed partial class OrganizationPagesTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private OrganizationDirectory Directory => factory.Services.GetRequiredService<OrganizationDirectory>();

    private async Task<Guid> CompanyWithAsync(string userId, OrganizationRole role)
    {
        var owner = await factory.CreateUserAsync();
        var organization = await Directory.CreateAsync(owner, new OrganizationDetails("Seiten GmbH", "Weg 2", "20095", "Hamburg", "DE", null, "de"));
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = organization, UserId = userId, Role = role });
        await db.SaveChangesAsync();
        return organization;
    }

    [Theory]
    [InlineData(OrganizationRole.Member, HttpStatusCode.OK, HttpStatusCode.Forbidden)]
    [InlineData(OrganizationRole.Billing, HttpStatusCode.OK, HttpStatusCode.Forbidden)]
    [InlineData(OrganizationRole.Admin, HttpStatusCode.OK, HttpStatusCode.OK)]
    public async Task Pages_ByRole_MembersForEveryoneAuditForManagers(OrganizationRole role, HttpStatusCode members, HttpStatusCode audit)
    {
        var (client, _, userId) = await factory.SignedInClientAsync();
        var organization = await CompanyWithAsync(userId, role);

        var membersPage = await client.GetAsync($"/organization/{organization}/members");
        var auditPage = await client.GetAsync($"/organization/{organization}/audit");

        Assert.Equal(members, membersPage.StatusCode);
        Assert.Contains("Seiten GmbH", await membersPage.Content.ReadAsStringAsync());
        Assert.Equal(audit, auditPage.StatusCode);
        // The log names the action in words, the stable name kept on the element.
        var auditHtml = await auditPage.Content.ReadAsStringAsync();
        Assert.Equal(audit == HttpStatusCode.OK, auditHtml.Contains("data-action=\"org.created\">Organization created<", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pages_AnotherOrganizationsId_NotFoundRevealingNothing()
    {
        var (client, _, _) = await factory.SignedInClientAsync();
        var (_, _, otherUser) = await factory.SignedInClientAsync();
        var foreign = await CompanyWithAsync(otherUser, OrganizationRole.Member);

        foreach (var path in new[] { $"/organization/{foreign}/members", $"/organization/{foreign}/audit", $"/organization/{Guid.NewGuid()}/members" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.DoesNotContain("Seiten GmbH", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task JoinLink_SignedOut_LoginWithReturnUrl_ThenAccepts()
    {
        var organization = await CompanyWithAsync(await factory.CreateUserAsync(), OrganizationRole.Member);
        var ownerId = await OwnerOfAsync(organization);
        var email = $"join-{Guid.NewGuid():N}@promptleo.test";
        Assert.Equal(MemberOutcome.Done, await factory.Services.GetRequiredService<OrganizationMembers>().InviteAsync(ownerId, organization, email, OrganizationRole.Member, new Uri("http://localhost/")));
        var link = new Uri(MailPickup.FirstLink(await MailPickup.WaitForMailToAsync(factory.MailDirectory, email)));
        var invitee = await factory.CreateUserAsync(email);
        var anonymous = factory.CreateBrowserLikeClient();

        var challenge = await anonymous.GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        Assert.Contains("/Account/Login", challenge.Headers.Location!.OriginalString);
        Assert.Contains(Uri.EscapeDataString(link.Query.TrimStart('?')), challenge.Headers.Location.OriginalString);
        // Registration keeps the way back too.
        var login = await anonymous.GetStringAsync(challenge.Headers.Location.OriginalString);
        Assert.Matches("Account/Register\\?ReturnUrl=[^\"]*organization%2Fjoin%3Ftoken%3D", login);

        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(anonymous, email, ApiPortalFactory.UserPassword)).StatusCode);
        var offer = await anonymous.GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, offer.StatusCode);
        Assert.Contains("Seiten GmbH", await offer.Content.ReadAsStringAsync());
        var joined = await FormPost.SubmitAsync(anonymous, link.PathAndQuery, "join-organization", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.Redirect, joined.StatusCode);
        Assert.EndsWith($"/organization/{organization}/members", joined.Headers.Location!.OriginalString);
        Assert.Equal(OrganizationRole.Member, (await Directory.MembershipAsync(organization, invitee))!.Role);
        var used = await anonymous.GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.Gone, used.StatusCode);
    }

    [Fact]
    public async Task JoinLink_WrongAccountOrBadToken_RefusedWithStatus()
    {
        var organization = await CompanyWithAsync(await factory.CreateUserAsync(), OrganizationRole.Member);
        var email = $"join-{Guid.NewGuid():N}@promptleo.test";
        Assert.Equal(MemberOutcome.Done, await factory.Services.GetRequiredService<OrganizationMembers>().InviteAsync(await OwnerOfAsync(organization), organization, email, OrganizationRole.Admin, new Uri("http://localhost/")));
        var link = new Uri(MailPickup.FirstLink(await MailPickup.WaitForMailToAsync(factory.MailDirectory, email)));
        var (client, _, stranger) = await factory.SignedInClientAsync();

        var wrong = await client.GetAsync(link.PathAndQuery);
        var unknown = await client.GetAsync("/organization/join?token=" + new string('x', 43));

        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Contains("another e-mail address", await wrong.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Null(await Directory.MembershipAsync(organization, stranger));
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        await db.OrganizationInvitations.Where(i => i.OrganizationId == organization).ExecuteUpdateAsync(s => s.SetProperty(i => i.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)));
        Assert.Equal(HttpStatusCode.Gone, (await client.GetAsync(link.PathAndQuery)).StatusCode);
        await db.OrganizationInvitations.Where(i => i.OrganizationId == organization).ExecuteUpdateAsync(s => s.SetProperty(i => i.ExpiresAt, DateTimeOffset.UtcNow.AddDays(1)).SetProperty(i => i.RevokedAt, DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.Gone, (await client.GetAsync(link.PathAndQuery)).StatusCode);
    }

    [Fact]
    public async Task Switcher_OwnOrganization_SwitchesAndReturns_ForeignIdNotFound()
    {
        var (client, _, userId) = await factory.SignedInClientAsync();
        var organization = await CompanyWithAsync(userId, OrganizationRole.Member);
        var foreign = await CompanyWithAsync(await factory.CreateUserAsync(), OrganizationRole.Member);
        Assert.Contains("id=\"organization-switcher\"", await client.GetStringAsync("/billing"));

        var switched = await FormPost.PostWithTokenFromAsync(client, "/billing", "/organization/switch", new Dictionary<string, string> { ["organizationId"] = organization.ToString(), ["returnUrl"] = "/billing" });
        var offsite = await FormPost.PostWithTokenFromAsync(client, "/billing", "/organization/switch", new Dictionary<string, string> { ["organizationId"] = organization.ToString(), ["returnUrl"] = "//evil.example/" });
        var refused = await FormPost.PostWithTokenFromAsync(client, "/billing", "/organization/switch", new Dictionary<string, string> { ["organizationId"] = foreign.ToString() });

        Assert.Equal((HttpStatusCode.Redirect, "/billing"), (switched.StatusCode, switched.Headers.Location!.OriginalString));
        Assert.Equal("/", offsite.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal(organization, (await Directory.ActiveAsync(userId)).OrganizationId);
        Assert.Contains("Seiten GmbH</span>", await client.GetStringAsync("/billing"));
    }

    [Theory]
    [InlineData(OrganizationRole.Member, new string[0])]
    [InlineData(OrganizationRole.Billing, new[] { "organization-settings-nav" })]
    [InlineData(OrganizationRole.Admin, new[] { "organization-audit-nav" })]
    [InlineData(OrganizationRole.Owner, new[] { "organization-settings-nav", "organization-audit-nav", "organization-sso-nav" })]
    public async Task Switcher_CompanyOrganization_LinksOnlyThePagesTheRoleMayUse(OrganizationRole role, string[] expected)
    {
        var (client, _, userId) = await factory.SignedInClientAsync();
        var organization = await CompanyWithAsync(userId, role);
        Assert.True(await Directory.SetActiveAsync(userId, organization));

        var html = await client.GetStringAsync("/billing");

        string[] all = ["organization-settings-nav", "organization-audit-nav", "organization-sso-nav"];
        Assert.Equal(expected, all.Where(id => html.Contains($"id=\"{id}\"", StringComparison.Ordinal)));
        Assert.Contains("id=\"organization-members-nav\"", html);
    }

    [Fact]
    public void EveryOrganizationString_HasGermanTranslation()
    {
        var resx = XDocument.Load(Path.Combine(SourceTree.WebProject, "Resources", "OrganizationsResource.de.resx"));
        var german = resx.Root!.Elements("data").ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");
        var folder = Path.Combine(SourceTree.WebProject, "Features", "Organizations");
        var keys = System.IO.Directory.EnumerateFiles(folder, "*.*").Where(f => f.EndsWith(".razor", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
            .SelectMany(f => KeyPattern().Matches(File.ReadAllText(f)).Select(m => Regex.Unescape(m.Groups[1].Value)))
            // Role names and the creation form's problems are looked up by value.
            .Concat(Enum.GetNames<OrganizationRole>())
            .Concat(CompanyDetailsRules.Problems(new OrganizationDetails("", null, null, null, null, null, "en")))
            .Concat(CompanyDetailsRules.Problems(new OrganizationDetails("A", new string('x', 300), "1", "B", "DE", "FR123", "en")));

        var missing = keys.Where(k => !german.TryGetValue(k, out var value) || string.IsNullOrWhiteSpace(value)).ToHashSet();

        Assert.True(missing.Count == 0, "Missing German strings:\n" + string.Join("\n", missing));
    }

    private async Task<string> OwnerOfAsync(Guid organization)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.OrganizationMembers.Where(m => m.OrganizationId == organization && m.Role == OrganizationRole.Owner).Select(m => m.UserId).FirstAsync();
    }

    [GeneratedRegex("""\b(?:O|o)\["((?:[^"\\]|\\.)+)"[,\]]""")]
    private static partial Regex KeyPattern();
}
