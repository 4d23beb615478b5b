using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Privacy;

public class PrivacyDocumentsTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private async Task<HttpClient> AdminAsync()
    {
        var client = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(client, PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);
        return client;
    }

    [Fact]
    public async Task Art30Register_Admin_ContainsRequiredSectionsAndDerivedMeasures()
    {
        var admin = await AdminAsync();

        var response = await admin.GetAsync("/admin/privacy/register.pdf");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        var pdf = await response.Content.ReadAsByteArrayAsync();
        var text = PdfArtifacts.Text(pdf);
        foreach (var expected in new[] { "Art. 30", "Controller", "Processing activities", "Data subjects", "Data categories", "Deletion", "Recipients", "third countries", "None.", "DE", "AES-256-GCM", "Two-factor", "0 of 1", "Passwords of at least 10", "3 years".Replace("3 years", "1095 days") })
        {
            Assert.Contains(expected, text);
        }
        PdfArtifacts.Save(pdf, "art30-register");
    }

    [Fact]
    public async Task AuditPages_AdminSeesAll_UserSeesOwnOnly()
    {
        var admin = await AdminAsync();
        var adminPage = await admin.GetAsync("/admin/audit");
        Assert.Equal(HttpStatusCode.OK, adminPage.StatusCode);
        Assert.Contains("id=\"audit-table\"", await adminPage.Content.ReadAsStringAsync());

        var client = factory.CreateBrowserLikeClient();
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, $"user-{Guid.NewGuid():N}@promptleo.test", PrivacySeed.Password);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/admin/audit")).StatusCode);
        var privacy = await client.GetStringAsync("/privacy");
        Assert.Contains("id=\"panel-audit\"", privacy);
    }

    [Fact]
    public async Task AdminUserList_WritesAuditEntryPerListedUser()
    {
        var user = await PrivacySeed.CreateAsync(factory);
        await using var scope = factory.Services.CreateAsyncScope();
        var directory = scope.ServiceProvider.GetRequiredService<PromptLeo.Web.Features.Admin.AdminUserDirectory>();

        var (rows, _) = await directory.ListAsync("admin-id", user.Email, 0, 25);

        Assert.Single(rows);
        var audit = await factory.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditQuery(user.Id, AuditActions.AdminViewedUser));
        Assert.Equal(1, audit.Total);
        Assert.Equal("admin-id", audit.Items[0].ActorId);
        Assert.DoesNotContain(user.Email, audit.Items[0].Details);
    }

    [Fact]
    public async Task AdminRoleChange_IsAuditedAndCannotTargetOneself()
    {
        var user = await PrivacySeed.CreateAsync(factory);
        await using var scope = factory.Services.CreateAsyncScope();
        var directory = scope.ServiceProvider.GetRequiredService<PromptLeo.Web.Features.Admin.AdminUserDirectory>();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<ApplicationUser>>();
        var adminId = (await users.FindByEmailAsync(PortalFactory.AdminEmail))!.Id;

        Assert.False(await directory.SetAdminAsync(user.Id, adminId, false)); // not an admin: refused
        Assert.True(await directory.SetAdminAsync(adminId, user.Id, true));
        Assert.False(await directory.SetAdminAsync(user.Id, user.Id, false)); // never one's own role
        Assert.True(await directory.SetAdminAsync(adminId, user.Id, false));

        var audit = await factory.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditQuery(user.Id, AuditActions.RoleChanged));
        Assert.Equal(2, audit.Total);
        Assert.Equal(["removed from Admin", "added to Admin"], audit.Items.Select(a => a.Details));
        Assert.All(audit.Items, a => Assert.Equal(adminId, a.ActorId));
    }

    [Fact]
    public async Task Art30Register_NormalUser_Forbidden()
    {
        var client = factory.CreateBrowserLikeClient();
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, $"user-{Guid.NewGuid():N}@promptleo.test", PrivacySeed.Password);

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/admin/privacy/register.pdf")).StatusCode);
    }

    [Fact]
    public async Task Dpa_Accept_RecordsVersionTimeAndHashedIp_PdfNamesCustomerAndAnnexes()
    {
        var client = factory.CreateBrowserLikeClient();
        var user = await PrivacySeed.CreateAsync(factory, registerWith: client);

        var missing = await FormPost.SubmitAsync(client, "/privacy/dpa", "accept-dpa", new Dictionary<string, string>
        {
            ["Input.CompanyName"] = "Beispiel AG",
            ["Input.CompanyAddress"] = "Hauptstraße 5, 50667 Köln",
            ["Input.Accept"] = "false",
        });
        Assert.Contains("Please tick the box to accept.", await missing.Content.ReadAsStringAsync());

        var accepted = await FormPost.SubmitAsync(client, "/privacy/dpa", "accept-dpa", new Dictionary<string, string>
        {
            ["Input.CompanyName"] = "Beispiel AG",
            ["Input.CompanyAddress"] = "Hauptstraße 5, 50667 Köln",
            ["Input.VatId"] = "DE123456789",
            ["Input.Accept"] = "true",
        });
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);

        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var row = await db.DpaAcceptances.SingleAsync(d => d.UserId == user.Id);
            Assert.Equal("2026-12", row.Version);
            Assert.Matches("^[0-9a-f]{64}$", row.IpHash);
            Assert.True(await db.AuditEntries.AnyAsync(a => a.SubjectId == user.Id && a.Action == AuditActions.DpaAccepted));
        }
        var pdf = await client.GetByteArrayAsync("/privacy/dpa.pdf");
        var text = PdfArtifacts.Text(pdf);
        foreach (var expected in new[] { "Art. 28", "Beispiel AG", "DE123456789", "2026-12", "Annex 1", "Technical and organisational", "Annex 2", "Sub-processors", "Hosting locations", "Frankfurt" })
        {
            Assert.Contains(expected, text);
        }
        Assert.True(PdfArtifacts.PageCount(pdf) >= 2);
        PdfArtifacts.Save(pdf, "dpa");
    }

    [Fact]
    public async Task Evidence_ForPeriod_ListsOwnRecordsWithoutContent()
    {
        var client = factory.CreateBrowserLikeClient();
        var user = await PrivacySeed.CreateAsync(factory, registerWith: client);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");

        var response = await client.GetAsync($"/privacy/records.pdf?from={DateTime.UtcNow.AddDays(-7):yyyy-MM-dd}&to={today}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var pdf = await response.Content.ReadAsByteArrayAsync();
        var text = PdfArtifacts.Text(pdf);
        Assert.Contains("Proof of processing", text);
        Assert.Contains("Chat demo-chat Portal", text); // purpose and channel in words, not the stored codes
        Assert.DoesNotContain("chat-completion", text);
        Assert.Contains("Art. 6(1)(b)", text);
        Assert.DoesNotContain(user.Secret, text);
        PdfArtifacts.Save(pdf, "processing-evidence");
    }

    [Theory]
    [InlineData("from=yesterday")]
    [InlineData("from=2026-11-20&to=2026-11-01")]
    [InlineData("from=2020-01-01&to=2026-01-01")]
    public async Task Evidence_BadPeriod_BadRequest(string query)
    {
        var client = factory.CreateBrowserLikeClient();
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, $"user-{Guid.NewGuid():N}@promptleo.test", PrivacySeed.Password);

        var response = await client.GetAsync("/privacy/records.pdf?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task PrivacyDocuments_Anonymous_Unauthorized()
    {
        var client = factory.CreateBrowserLikeClient();
        foreach (var url in new[] { "/privacy/records.pdf", "/privacy/dpa.pdf", $"/privacy/exports/{Guid.NewGuid()}/download" })
        {
            var response = await client.GetAsync(url);
            // Endpoints with typed API results answer 401 (ASP.NET Core marks them as API endpoints); the others redirect to login.
            var refused = response.StatusCode == HttpStatusCode.Unauthorized
                || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.ToString().Contains("/Account/Login"));
            Assert.True(refused, $"{url}: {response.StatusCode} {response.Headers.Location}");
            Assert.NotEqual("application/pdf", response.Content.Headers.ContentType?.MediaType);
        }
    }
}

public class DpaNewVersionPortal : PortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Privacy:DpaVersion"] = "2027-01" };
}

public class DpaReacceptanceTests(DpaNewVersionPortal factory) : IClassFixture<DpaNewVersionPortal>
{
    [Fact]
    public async Task Dpa_NewVersion_AsksForReacceptance()
    {
        var user = await PrivacySeed.CreateAsync(factory);
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var organizationId = await factory.Services.GetRequiredService<PromptLeo.Web.Features.Organizations.OrganizationDirectory>().PersonalIdAsync(user.Id);
            db.DpaAcceptances.Add(new DpaAcceptance { OrganizationId = organizationId, UserId = user.Id, Version = "2026-11", IpHash = new string('a', 64), CompanyName = "A", CompanyAddress = "B" });
            await db.SaveChangesAsync();
        }
        var center = factory.Services.GetRequiredService<PrivacyCenter>();

        var status = await center.GetDpaStatusAsync(user.Id);
        Assert.True(status.NeedsReacceptance);
        Assert.False(status.AcceptedCurrent);

        await center.AcceptDpaAsync(user.Id, "A", "B", null, "203.0.113.7");
        status = await center.GetDpaStatusAsync(user.Id);
        Assert.True(status.AcceptedCurrent);
        Assert.Equal("2027-01", status.Latest!.Version);
        Assert.DoesNotContain("203.0.113.7", status.Latest.IpHash);
    }
}
