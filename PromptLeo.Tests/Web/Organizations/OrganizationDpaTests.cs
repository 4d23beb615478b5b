using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Organizations;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Organizations;

/// <summary>One DPA per organization: an owner accepts it once for everyone; members see it and download it, but cannot accept.</summary>
public sealed class OrganizationDpaTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private OrganizationDirectory Directory => factory.Services.GetRequiredService<OrganizationDirectory>();

    private async Task<AppDbContext> DbAsync() => await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    private async Task<(string UserId, HttpClient Client)> SignedInAsync()
    {
        var (client, _, userId) = await factory.SignedInClientAsync();
        return (userId, client);
    }

    [Fact]
    public async Task Dpa_CompanyOrganization_OwnerAcceptsOnceForAllMembersWhoSeeAndDownloadIt()
    {
        var owner = await SignedInAsync();
        var member = await SignedInAsync();
        var name = $"Kanzlei Weber {Guid.NewGuid():N}"[..24];
        var organizationId = await Directory.CreateAsync(owner.UserId, new OrganizationDetails(name, "Domplatz 3", "50667", "Köln", "DE", "DE811111111", "de"));
        await using (var db = await DbAsync())
        {
            db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = organizationId, UserId = member.UserId, Role = OrganizationRole.Member });
            await db.SaveChangesAsync();
        }
        Assert.True(await Directory.SetActiveAsync(owner.UserId, organizationId));
        Assert.True(await Directory.SetActiveAsync(member.UserId, organizationId));

        // Before: the member is told only an owner can accept, and gets no form.
        var memberPage = WebUtility.HtmlDecode(await member.Client.GetStringAsync("/privacy/dpa"));
        Assert.Contains($"Only an owner of {name} can accept the data processing agreement for it.", memberPage);
        Assert.DoesNotContain("id=\"dpa-submit\"", memberPage);
        var center = factory.Services.GetRequiredService<PrivacyCenter>();
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => center.AcceptDpaAsync(member.UserId, "Andere GmbH", "Irgendwo 1", null, "198.51.100.1"));

        // The owner's page names the company from the organization's own data; no company fields to type.
        var ownerPage = WebUtility.HtmlDecode(await owner.Client.GetStringAsync("/privacy/dpa"));
        Assert.Contains("Domplatz 3, 50667 Köln, DE", ownerPage);
        Assert.DoesNotContain("Input.CompanyName", ownerPage);
        var accepted = await FormPost.SubmitAsync(owner.Client, "/privacy/dpa", "accept-dpa", new Dictionary<string, string> { ["Input.Accept"] = "true" });
        Assert.True(accepted.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect, accepted.StatusCode.ToString());
        await center.AcceptDpaAsync(owner.UserId, "ignored", "ignored", null, "198.51.100.2");

        await using (var check = await DbAsync())
        {
            var acceptance = Assert.Single(await check.DpaAcceptances.Where(d => d.OrganizationId == organizationId).ToListAsync());
            Assert.Equal((owner.UserId, name, "Domplatz 3, 50667 Köln, DE", "DE811111111"), (acceptance.UserId, acceptance.CompanyName, acceptance.CompanyAddress, acceptance.VatId));
            Assert.Single(await check.AuditEntries.Where(a => a.OrganizationId == organizationId && a.Action == OrganizationAuditActions.DpaAccepted && a.ActorId == owner.UserId).ToListAsync());
        }

        // After: the member sees the acceptance and downloads the signed agreement naming the company; still cannot accept.
        memberPage = WebUtility.HtmlDecode(await member.Client.GetStringAsync("/privacy/dpa"));
        Assert.Contains($"Accepted for {name} by an owner on", memberPage);
        Assert.DoesNotContain("id=\"dpa-submit\"", memberPage);
        Assert.DoesNotContain("id=\"dpa-submit\"", await owner.Client.GetStringAsync("/privacy/dpa"));
        var pdf = await member.Client.GetByteArrayAsync("/privacy/dpa.pdf");
        Assert.Contains(name, PdfArtifacts.Text(pdf));
        Assert.True((await center.GetDpaStatusAsync(member.UserId)).AcceptedCurrent);
        Assert.False((await center.GetDpaStatusAsync(member.UserId)).MayAccept);
    }

    [Fact]
    public async Task Dpa_PersonalOrganization_AcceptsAsBeforeWithTheEnteredCompany()
    {
        var person = await SignedInAsync();
        var center = factory.Services.GetRequiredService<PrivacyCenter>();

        var acceptance = await center.AcceptDpaAsync(person.UserId, "Einzelfirma Roth", "Gasse 2, Bonn", null, "198.51.100.3");

        Assert.Equal(await Directory.PersonalIdAsync(person.UserId), acceptance.OrganizationId);
        Assert.Equal("Einzelfirma Roth", acceptance.CompanyName);
        Assert.Contains("Input.CompanyName", await person.Client.GetStringAsync("/privacy/dpa"));
    }
}
