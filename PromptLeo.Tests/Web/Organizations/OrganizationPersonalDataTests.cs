using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Resources;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Organizations;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Organizations;

/// <summary>docs/gdpr.md "Organizations: who keeps what": erasure and export of a member of company organizations.</summary>
public sealed class OrganizationPersonalDataTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private OrganizationDirectory Directory => factory.Services.GetRequiredService<OrganizationDirectory>();

    private AccountEraser Eraser => factory.Services.GetRequiredService<AccountEraser>();

    private async Task<AppDbContext> DbAsync() => await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    [Fact]
    public async Task Erase_LastOwnerOfOrganizationWithMembers_RefusedWith409UntilOwnershipMoves()
    {
        var owner = await factory.SignedInClientAsync();
        var member = await factory.CreateUserAsync();
        var company = await Directory.CreateAsync(owner.UserId, new OrganizationDetails("Refus AG", null, null, null, "DE", null, "de"));
        await AddMemberAsync(company, member, OrganizationRole.Member);
        await AddUsageAsync(company, owner.UserId, 1_500_000);
        string stampBefore;
        await using (var db = await DbAsync())
        {
            stampBefore = (await db.Users.SingleAsync(u => u.Id == owner.UserId)).SecurityStamp!;
        }

        var page = await owner.Client.GetStringAsync("/privacy/erase");
        Assert.Contains("You are the last owner of Refus AG, which still has other members.", WebUtility.HtmlDecode(page));
        var refused = await FormPost.SubmitAsync(owner.Client, "/privacy/erase", "erase-account", new Dictionary<string, string>
        {
            ["Input.Password"] = ApiPortalFactory.UserPassword,
            ["Input.Confirm"] = "true",
        });

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var html = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
        Assert.Contains("Your account cannot be deleted yet. Nothing was deleted.", html);
        Assert.Contains("Make another member an owner, or remove the other members", html);
        var blocked = await Assert.ThrowsAsync<ErasureBlockedException>(() => Eraser.EraseAsync(owner.UserId, owner.UserId));
        Assert.Equal(["Refus AG"], Assert.Single(blocked.Obstacles).Subjects);
        await using (var db = await DbAsync())
        {
            // Nothing half-done: not locked, not restricted, sessions untouched, no job, still the owner.
            var account = await db.Users.SingleAsync(u => u.Id == owner.UserId);
            Assert.Equal((null, false, stampBefore), (account.LockoutEnd, account.ProcessingRestricted, account.SecurityStamp));
            Assert.False(await db.ErasureJobs.AnyAsync(j => j.UserId == owner.UserId));
            Assert.True(await db.OrganizationMembers.AnyAsync(m => m.OrganizationId == company && m.UserId == owner.UserId && m.Role == OrganizationRole.Owner));
        }
        Assert.Equal(HttpStatusCode.OK, (await owner.Client.GetAsync("/privacy")).StatusCode);
        await FormPost.PostWithTokenFromAsync(owner.Client, "/", "/preferences/culture/de", new Dictionary<string, string> { ["returnUrl"] = "/privacy/erase" });
        Assert.Contains("Sie sind der letzte Inhaber von Refus AG, und die Organisation hat noch weitere Mitglieder.", WebUtility.HtmlDecode(await owner.Client.GetStringAsync("/privacy/erase")));

        await using (var db = await DbAsync())
        {
            await db.OrganizationMembers.Where(m => m.OrganizationId == company && m.UserId == member).ExecuteUpdateAsync(s => s.SetProperty(m => m.Role, OrganizationRole.Owner));
        }
        Assert.Empty(await Eraser.ObstaclesAsync(owner.UserId));
        var result = await Eraser.EraseAsync(owner.UserId, owner.UserId);

        // The language switch above made German the account's language: the certificate follows it.
        var certificate = PdfArtifacts.Text(result.Certificate);
        Assert.Contains("Mitgliedschaften in Firmenorganisationen (beendet)", certificate);
        await using (var db = await DbAsync())
        {
            var pseudonym = await db.ErasureJobs.Where(j => j.Id == result.JobId).Select(j => j.Pseudonym).SingleAsync();
            Assert.Equal([member], await db.OrganizationMembers.Where(m => m.OrganizationId == company).Select(m => m.UserId).ToListAsync());
            var usage = await db.UsageEvents.SingleAsync(e => e.RequestId == $"req_{company:N}_{owner.UserId}");
            Assert.Equal((company, pseudonym), (usage.OrganizationId, usage.UserId));
        }
    }

    [Fact]
    public void LastOwnerMessage_HasAGermanTranslation()
    {
        var localizer = factory.Services.GetRequiredService<IStringLocalizer<PrivacyResource>>();
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("de");
        try
        {
            var german = localizer[OrganizationErasureParticipant.LastOwnerMessage];
            Assert.False(german.ResourceNotFound);
            Assert.StartsWith("Sie sind der letzte Inhaber von {0}", german.Value);
            Assert.False(localizer["Your account cannot be deleted yet. Nothing was deleted."].ResourceNotFound);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    [Fact]
    public async Task Erase_Member_EndsMembershipsDeletesLoneOrganizationsKeepsTheBooksWithoutThePerson()
    {
        var owner = await factory.CreateUserAsync();
        var email = $"member-{Guid.NewGuid():N}@promptleo.test";
        var member = await factory.CreateUserAsync(email);
        var company = await Directory.CreateAsync(owner, new OrganizationDetails("Bleibt GmbH", null, null, null, "DE", null, "de"));
        var other = await Directory.CreateAsync(owner, new OrganizationDetails("Lädt ein KG", null, null, null, "DE", null, "de"));
        var alone = await Directory.CreateAsync(member, new OrganizationDetails("Allein UG", null, null, null, "DE", null, "de"));
        await AddMemberAsync(company, member, OrganizationRole.Admin);
        await AddUsageAsync(company, member, 2_000_000);
        Guid sent, toMember, ofLoneOrganization;
        await using (var db = await DbAsync())
        {
            sent = Invite(db, company, "COLLEAGUE@PROMPTLEO.TEST", member);
            toMember = Invite(db, other, email.ToUpperInvariant(), owner);
            ofLoneOrganization = Invite(db, alone, "SOMEONE@PROMPTLEO.TEST", member);
            await db.SaveChangesAsync();
        }

        var result = await Eraser.EraseAsync(member, member);

        var certificate = PdfArtifacts.Text(result.Certificate);
        Assert.Contains("Memberships in company organizations (ended)", certificate);
        Assert.Contains("Company organizations of which you were the only member (deleted)", certificate);
        Assert.Contains("Organization invitations", certificate);
        await using (var db = await DbAsync())
        {
            var pseudonym = await db.ErasureJobs.Where(j => j.Id == result.JobId).Select(j => j.Pseudonym).SingleAsync();
            Assert.False(await db.OrganizationMembers.AnyAsync(m => m.UserId == member));
            Assert.False(await db.Organizations.AnyAsync(o => o.Id == alone || o.PersonalOwnerId == member));
            Assert.False(await db.OrganizationInvitations.AnyAsync(i => i.Id == ofLoneOrganization || i.Id == toMember));
            // The organization keeps its records: the invitation its admin sent and the usage it pays for, without the person.
            Assert.Equal(pseudonym, await db.OrganizationInvitations.Where(i => i.Id == sent).Select(i => i.InvitedBy).SingleAsync());
            var usage = await db.UsageEvents.SingleAsync(e => e.RequestId == $"req_{company:N}_{member}");
            Assert.Equal((company, pseudonym, 2_000_000L), (usage.OrganizationId, usage.UserId, usage.AmountMicros));
            Assert.Equal([owner], await db.OrganizationMembers.Where(m => m.OrganizationId == company).Select(m => m.UserId).ToListAsync());
        }
    }

    [Fact]
    public async Task Export_MemberOfCompanyOrganizations_ListsMembershipsInvitationsAndWhatEachOrganizationHolds()
    {
        var member = await factory.SignedInClientAsync();
        var owner = await factory.CreateUserAsync();
        var company = await Directory.CreateAsync(owner, new OrganizationDetails("Exportiert GmbH", null, null, null, "DE", null, "de"));
        var former = await Directory.CreateAsync(owner, new OrganizationDetails("Ehemals AG", null, null, null, "DE", null, "de"));
        var inviting = await Directory.CreateAsync(owner, new OrganizationDetails("Wartet KG", null, null, null, "DE", null, "de"));
        await Directory.PersonalIdAsync(member.UserId);
        await AddMemberAsync(company, member.UserId, OrganizationRole.Admin);
        await AddUsageAsync(company, member.UserId, 1_250_000);
        // A former member: the organization keeps its booking of the usage, the membership is gone.
        await AddUsageAsync(former, member.UserId, 750_000);
        await using (var db = await DbAsync())
        {
            Invite(db, company, "COLLEAGUE@PROMPTLEO.TEST", member.UserId);
            Invite(db, inviting, member.Email.ToUpperInvariant(), owner);
            db.AuditEntries.Add(Directory.Audit(member.UserId, company, OrganizationAuditActions.MemberInvited, "invitation"));
            await db.SaveChangesAsync();
        }

        var exports = factory.Services.GetRequiredService<DataExportService>();
        var export = await exports.RequestAsync(member.UserId);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await exports.ListAsync(member.UserId)).Single(e => e.Id == export.Id).Status is ExportStatus.Queued or ExportStatus.Running && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        var download = await member.Client.GetAsync($"/privacy/exports/{export.Id}/download");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        using var zip = new ZipArchive(new MemoryStream(await download.Content.ReadAsByteArrayAsync()));

        using var organizations = JsonDocument.Parse(zip.GetEntry("organizations.json")!.Open());
        var root = organizations.RootElement;
        var memberships = root.GetProperty("memberships").EnumerateArray().ToList();
        Assert.Contains(memberships, m => m.GetProperty("personal").GetBoolean());
        var membership = Assert.Single(memberships, m => !m.GetProperty("personal").GetBoolean());
        Assert.Equal(("Exportiert GmbH", "Admin"), (membership.GetProperty("organization").GetString(), membership.GetProperty("role").GetString()));
        var invitation = Assert.Single(root.GetProperty("invitationsSent").EnumerateArray());
        Assert.Equal(("Exportiert GmbH", "COLLEAGUE@PROMPTLEO.TEST"), (invitation.GetProperty("organization").GetString(), invitation.GetProperty("invitee").GetString()));
        Assert.Equal("Wartet KG", Assert.Single(root.GetProperty("invitationsReceived").EnumerateArray()).GetProperty("organization").GetString());
        var held = root.GetProperty("heldByOrganizations").EnumerateArray().ToDictionary(h => h.GetProperty("organization").GetString()!);
        Assert.Equal(["Ehemals AG", "Exportiert GmbH"], held.Keys.Order());
        Assert.Equal((true, 1, 1.25m, 1, 1), (held["Exportiert GmbH"].GetProperty("member").GetBoolean(), held["Exportiert GmbH"].GetProperty("usageEvents").GetInt32(),
            held["Exportiert GmbH"].GetProperty("usageEur").GetDecimal(), held["Exportiert GmbH"].GetProperty("auditEntries").GetInt32(), held["Exportiert GmbH"].GetProperty("invitationsSent").GetInt32()));
        Assert.Equal((false, 1, 0.75m), (held["Ehemals AG"].GetProperty("member").GetBoolean(), held["Ehemals AG"].GetProperty("usageEvents").GetInt32(), held["Ehemals AG"].GetProperty("usageEur").GetDecimal()));

        using var reportStream = new MemoryStream();
        zip.GetEntry("report.pdf")!.Open().CopyTo(reportStream);
        var report = PdfArtifacts.Text(reportStream.ToArray());
        foreach (var expected in new[] { "8. Organizations", "The owners and admins of the organization a member belongs to", "Exportiert GmbH", "Ehemals AG", "Former member", "1.25 €", "Nobody in an organization sees your conversations", "When you leave an organization, you keep your account" })
        {
            Assert.Contains(expected, report);
        }
        PdfArtifacts.Save(reportStream.ToArray(), "art15-report-organizations");
    }

    [Fact]
    public async Task Purge_InvitationsExpiredLongerThanTheirPeriod_DeletedFreshOnesKept()
    {
        var owner = await factory.CreateUserAsync();
        var organization = await Directory.CreateAsync(owner, new OrganizationDetails("Lädt ein GmbH", null, null, null, "DE", null, "de"));
        var now = DateTimeOffset.UtcNow;
        Guid stale, recent;
        await using (var db = await DbAsync())
        {
            stale = Invite(db, organization, "STALE@PROMPTLEO.TEST", owner);
            recent = Invite(db, organization, "RECENT@PROMPTLEO.TEST", owner);
            await db.SaveChangesAsync();
            await db.OrganizationInvitations.Where(i => i.Id == stale).ExecuteUpdateAsync(s => s.SetProperty(i => i.ExpiresAt, now.AddDays(-OrganizationInvitation.KeptDaysAfterExpiry - 1)));
            await db.OrganizationInvitations.Where(i => i.Id == recent).ExecuteUpdateAsync(s => s.SetProperty(i => i.ExpiresAt, now.AddDays(-OrganizationInvitation.KeptDaysAfterExpiry + 1)));
        }

        var counts = await factory.Services.GetRequiredService<RetentionPurger>().PurgeAsync(now);

        Assert.Contains("expiredInvitations=", counts.ToString());
        await using (var db = await DbAsync())
        {
            Assert.False(await db.OrganizationInvitations.AnyAsync(i => i.Id == stale));
            Assert.True(await db.OrganizationInvitations.AnyAsync(i => i.Id == recent));
        }
    }

    [Theory]
    [InlineData("en", "Customer organizations and their members", "the owners and admins of the organization a member belongs to (the members' names, e-mail addresses, roles and usage amounts; never content)", "invitations 30 days after their link expired")]
    [InlineData("de", "Kundenorganisationen und ihre Mitglieder", "Inhaber und Administratoren der Organisation, der ein Mitglied angehört (Namen, E-Mail-Adressen, Rollen und Nutzungsbeträge der Mitglieder; nie Inhalte)", "Einladungen 30 Tage nach Ablauf ihres Links")]
    public async Task Register_Organizations_OwnActivityWithTheOrganizationAsRecipientInRegisterAndPolicy(string language, string name, string recipients, string deletion)
    {
        var activity = Assert.Single(factory.Services.GetRequiredService<ProcessingActivities>().Describe(new PromptLeo.Web.Features.Reports.ReportText(language)), a => a.Kind == RegisterActivity.Organizations);
        Assert.Equal(name, activity.Name);
        Assert.Contains(recipients, activity.Recipients);
        Assert.Contains(deletion, activity.Deletion);
        Assert.All([typeof(Organization), typeof(OrganizationMember), typeof(OrganizationInvitation)], type => Assert.Equal(RegisterActivity.Organizations, ProcessingActivities.Stores[type]));
        var register = PdfArtifacts.Text(await factory.Services.GetRequiredService<ProcessingRegisterWriter>().WriteAsync(language, DateTimeOffset.UtcNow));
        Assert.Contains(name, register);
        var policy = factory.CreateClient();
        policy.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        var html = WebUtility.HtmlDecode(await policy.GetStringAsync("/datenschutz"));
        Assert.Contains(name, html);
        // Section 4 of the policy names them as recipients too.
        Assert.Contains(char.ToUpperInvariant(recipients[0]) + recipients[1..], html);
    }

    private async Task AddMemberAsync(Guid organization, string userId, OrganizationRole role)
    {
        await using var db = await DbAsync();
        db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = organization, UserId = userId, Role = role });
        await db.SaveChangesAsync();
    }

    /// <summary>A booked usage row of <paramref name="userId"/> for <paramref name="organization"/>, found again by its request id.</summary>
    private async Task AddUsageAsync(Guid organization, string userId, long micros)
    {
        await using var db = await DbAsync();
        db.UsageEvents.Add(new UsageEvent { OrganizationId = organization, UserId = userId, ModelId = ApiPortalFactory.ChatModel, Kind = "chat", OutputTokens = 100, AmountMicros = micros, RequestId = $"req_{organization:N}_{userId}", At = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
    }

    private static Guid Invite(AppDbContext db, Guid organization, string normalizedEmail, string invitedBy)
    {
        var invitation = new OrganizationInvitation
        {
            OrganizationId = organization, Email = normalizedEmail, InvitedBy = invitedBy, TokenHash = Guid.NewGuid().ToByteArray(),
            ExpiresAt = DateTimeOffset.UtcNow.AddDays(7),
        };
        db.OrganizationInvitations.Add(invitation);
        return invitation.Id;
    }
}
