using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Organizations;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.SubProcessors;

namespace PromptLeo.Tests.Web.Organizations;

/// <summary>
/// docs/gdpr.md "Organizations: who keeps what": a company's DPA is the company's contract. Erasing the owner who accepted
/// it leaves it accepted without the person; it goes to the contract evidence archive when the organization ends.
/// </summary>
public sealed class CompanyDpaErasureTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private OrganizationDirectory Directory => factory.Services.GetRequiredService<OrganizationDirectory>();

    private PrivacyCenter Center => factory.Services.GetRequiredService<PrivacyCenter>();

    private AccountEraser Eraser => factory.Services.GetRequiredService<AccountEraser>();

    private async Task<AppDbContext> DbAsync() => await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    private async Task<(string Name, Guid OrganizationId)> CompanyAcceptedByAsync(string acceptingOwner, params (string UserId, OrganizationRole Role)[] others)
    {
        var name = $"Weber Treuhand {Guid.NewGuid():N}"[..26];
        var organizationId = await Directory.CreateAsync(acceptingOwner, new OrganizationDetails(name, "Domplatz 3", "50667", "Köln", "DE", "DE811111111", "de"));
        await using (var db = await DbAsync())
        {
            db.OrganizationMembers.AddRange(others.Select(o => new OrganizationMember { OrganizationId = organizationId, UserId = o.UserId, Role = o.Role, JoinedAt = DateTimeOffset.UtcNow.AddMinutes(-10) }));
            await db.SaveChangesAsync();
        }
        foreach (var userId in others.Select(o => o.UserId).Prepend(acceptingOwner))
        {
            Assert.True(await Directory.SetActiveAsync(userId, organizationId));
        }
        await Center.AcceptDpaAsync(acceptingOwner, "ignored", "ignored", null, "198.51.100.7");
        return (name, organizationId);
    }

    private async Task<string> PseudonymAsync(ErasureResult erased)
    {
        await using var db = await DbAsync();
        return (await db.ErasureJobs.AsNoTracking().SingleAsync(j => j.Id == erased.JobId)).UserId;
    }

    [Fact]
    public async Task Erase_AcceptingOwnerWhileAnotherOwnerRemains_CompanyKeepsItsAcceptedDpaWithoutThePerson()
    {
        var accepting = await factory.CreateUserAsync();
        var owner = await factory.SignedInClientAsync();
        var billing = await factory.SignedInClientAsync();
        var (name, organizationId) = await CompanyAcceptedByAsync(accepting, (owner.UserId, OrganizationRole.Owner), (billing.UserId, OrganizationRole.Billing));
        DpaAcceptance before;
        await using (var db = await DbAsync())
        {
            before = await db.DpaAcceptances.AsNoTracking().SingleAsync(d => d.OrganizationId == organizationId);
        }
        Assert.NotEqual("", before.IpHash);

        var erased = await Eraser.EraseAsync(accepting, accepting);
        var pseudonym = await PseudonymAsync(erased);

        await using (var db = await DbAsync())
        {
            // Same contract (version, time, company), no person: neither the id nor the pseudonym, nor the person's IP hash.
            var after = await db.DpaAcceptances.AsNoTracking().SingleAsync(d => d.OrganizationId == organizationId);
            Assert.Equal((before.Id, before.Version, before.AcceptedAt, before.CompanyName, before.CompanyAddress, before.VatId), (after.Id, after.Version, after.AcceptedAt, after.CompanyName, after.CompanyAddress, after.VatId));
            Assert.Equal((null, ""), (after.UserId, after.IpHash));
            Assert.False(await db.DpaAcceptances.AnyAsync(d => d.UserId == accepting || d.UserId == pseudonym || d.IpHash == before.IpHash));
            Assert.False(await db.AuditEntries.AnyAsync(a => a.Action == AuditActions.DpaAccepted && (a.SubjectId == accepting || a.SubjectId == pseudonym)));
            // The organization's own audit entry of the acceptance stays, with the pseudonym as actor.
            var orgEntry = await db.AuditEntries.AsNoTracking().SingleAsync(a => a.OrganizationId == organizationId && a.Action == OrganizationAuditActions.DpaAccepted);
            Assert.Equal(pseudonym, orgEntry.ActorId);
            // The contract goes on, so it is not archived as ended.
            Assert.False(await db.ContractEvidence.AnyAsync(e => e.CompanyName == name));
        }

        // The other owner's page and the service still show it accepted, by "an owner", no name; no new form.
        var page = WebUtility.HtmlDecode(await owner.Client.GetStringAsync("/privacy/dpa"));
        Assert.Contains($"Accepted for {name} by an owner on", page);
        Assert.DoesNotContain("id=\"dpa-submit\"", page);
        Assert.True((await Center.GetDpaStatusAsync(owner.UserId)).AcceptedCurrent);
        Assert.True((await Center.GetDpaStatusAsync(billing.UserId)).AcceptedCurrent);
        // The signed agreement still downloads for owners and billing members.
        var ownerPdf = PdfArtifacts.Text(await owner.Client.GetByteArrayAsync("/privacy/dpa.pdf"));
        Assert.Contains(name, ownerPdf);
        Assert.Contains("by an owner who has since left", ownerPdf);
        Assert.Contains(name, PdfArtifacts.Text(await billing.Client.GetByteArrayAsync("/privacy/dpa.pdf")));

        // The Art. 30(2) register still lists the company, with a current owner as contact.
        var register = PdfArtifacts.Text(await factory.Services.GetRequiredService<ProcessorRegisterWriter>().WriteAsync("en", DateTimeOffset.UtcNow));
        var entry = register[register.IndexOf(name, StringComparison.Ordinal)..];
        Assert.Contains(owner.Email, entry[..entry.IndexOf("TOMs", StringComparison.Ordinal)]);

        // Sub-processor change notices still reach the current owner, and nobody else of the organization.
        var announced = await factory.Services.GetRequiredService<SubProcessorChanges>().AnnounceAsync("admin", SubProcessorChangeKind.Addition, null,
            new SubProcessorInput($"Backup {Guid.NewGuid():N}"[..20], "Musterweg 1, 10115 Berlin", "Backup storage", "Germany", true, null), "https://portal.example/privacy/dpa");
        Assert.Null(announced.Error);
        await using (var db = await DbAsync())
        {
            var told = await db.SubProcessorNotices.Where(n => n.ChangeId == announced.ChangeId).Select(n => n.UserId).ToListAsync();
            Assert.Contains(owner.UserId, told);
            Assert.DoesNotContain(billing.UserId, told);
            Assert.DoesNotContain(pseudonym, told);
        }
    }

    [Fact]
    public async Task Erase_LastMemberOfCompany_ArchivesItsAcceptanceAsContractEvidence()
    {
        var accepting = await factory.CreateUserAsync();
        var last = await factory.CreateUserAsync();
        var (name, organizationId) = await CompanyAcceptedByAsync(accepting, (last, OrganizationRole.Owner));
        DateTimeOffset acceptedAt;
        await using (var db = await DbAsync())
        {
            acceptedAt = (await db.DpaAcceptances.AsNoTracking().SingleAsync(d => d.OrganizationId == organizationId)).AcceptedAt;
        }
        await Eraser.EraseAsync(accepting, accepting);

        // The last member goes: the organization ends, and so does its contract; its acceptance becomes evidence.
        var erased = await Eraser.EraseAsync(last, last);

        var reference = Regex.Match(PdfArtifacts.Text(erased.Certificate), @"evidence-[0-9a-f]{24}").Value;
        await using (var db = await DbAsync())
        {
            Assert.False(await db.Organizations.AnyAsync(o => o.Id == organizationId));
            Assert.False(await db.DpaAcceptances.AnyAsync(d => d.OrganizationId == organizationId));
            var evidence = await db.ContractEvidence.AsNoTracking().SingleAsync(e => e.CompanyName == name);
            Assert.Equal((reference, ContractEvidenceKinds.DpaAcceptance, DateOnly.FromDateTime(acceptedAt.UtcDateTime), "Domplatz 3, 50667 Köln, DE", "DE811111111"),
                (evidence.Reference, evidence.Kind, evidence.AcceptedOn, evidence.CompanyAddress, evidence.VatId));
        }
    }

    [Fact]
    public async Task Erase_OnlyMemberWhoAcceptedForTheCompany_ArchivesTheAcceptanceWithItsIpHash()
    {
        var only = await factory.CreateUserAsync();
        var (name, organizationId) = await CompanyAcceptedByAsync(only);
        string ipHash;
        await using (var db = await DbAsync())
        {
            ipHash = (await db.DpaAcceptances.AsNoTracking().SingleAsync(d => d.OrganizationId == organizationId)).IpHash;
        }

        var erased = await Eraser.EraseAsync(only, only);

        await using (var db = await DbAsync())
        {
            Assert.False(await db.DpaAcceptances.AnyAsync(d => d.OrganizationId == organizationId));
            var evidence = await db.ContractEvidence.AsNoTracking().SingleAsync(e => e.CompanyName == name);
            Assert.Equal(ipHash, evidence.IpHash);
            Assert.Contains(evidence.Reference, PdfArtifacts.Text(erased.Certificate));
        }
    }
}
