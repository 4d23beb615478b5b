using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Organizations;

namespace PromptLeo.Tests.Web.Organizations;

/// <summary>The member rules of company organizations: invitations, roles, the last owner, removal and leaving.</summary>
public abstract class OrganizationMembersTests<TPortal>(TPortal factory) : IClassFixture<TPortal>
    where TPortal : ApiPortalFactory
{
    private static readonly Uri Portal = new("http://localhost/");

    private OrganizationDirectory Directory => factory.Services.GetRequiredService<OrganizationDirectory>();

    private OrganizationMembers Members => factory.Services.GetRequiredService<OrganizationMembers>();

    private async Task<AppDbContext> DbAsync() => await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    private async Task<(Guid Organization, string Owner)> CompanyAsync(string language = "en")
    {
        var owner = await factory.CreateUserAsync();
        var organization = await Directory.CreateAsync(owner, new OrganizationDetails($"Firma {Guid.NewGuid():N}"[..20], "Weg 1", "10115", "Berlin", "DE", null, language));
        return (organization, owner);
    }

    private async Task<string> MemberAsync(Guid organization, OrganizationRole role, string? email = null)
    {
        var userId = await factory.CreateUserAsync(email);
        await using var db = await DbAsync();
        db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = organization, UserId = userId, Role = role });
        await db.SaveChangesAsync();
        return userId;
    }

    private async Task<string> InviteAndTakeTokenAsync(Guid organization, string inviter, string email, OrganizationRole role = OrganizationRole.Member)
    {
        Assert.Equal(MemberOutcome.Done, await Members.InviteAsync(inviter, organization, email, role, Portal));
        var mail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, email);
        var link = new Uri(MailPickup.FirstLink(mail));
        Assert.Equal("/organization/join", link.AbsolutePath);
        return Uri.UnescapeDataString(link.Query["?token=".Length..]);
    }

    private static string NewAddress() => $"invitee-{Guid.NewGuid():N}@promptleo.test";

    [Fact]
    public async Task InviteAndAccept_InvitedAddress_JoinsWithRoleOnceAndSwitchesToTheOrganization()
    {
        var (organization, owner) = await CompanyAsync(language: "de");
        var email = NewAddress();

        var token = await InviteAndTakeTokenAsync(organization, owner, email, OrganizationRole.Billing);
        var invitee = await factory.CreateUserAsync(email);
        var (outcome, joined) = await Members.AcceptAsync(invitee, token);

        Assert.Equal((JoinOutcome.Joined, organization), (outcome, joined));
        Assert.Equal(OrganizationRole.Billing, (await Directory.MembershipAsync(organization, invitee))!.Role);
        Assert.Equal(organization, (await Directory.ActiveAsync(invitee)).OrganizationId);
        Assert.Equal(JoinOutcome.Used, (await Members.AcceptAsync(invitee, token)).Outcome);
        await using var db = await DbAsync();
        var invitation = await db.OrganizationInvitations.SingleAsync(i => i.OrganizationId == organization);
        // Only the token's SHA-256 is stored; the invitation lives InvitationDays (default 7).
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(token)), invitation.TokenHash);
        Assert.Equal(32, Base64UrlBytes(token));
        Assert.Equal(TimeSpan.FromDays(7), invitation.ExpiresAt - invitation.CreatedAt);
        Assert.True(await db.AuditEntries.AnyAsync(a => a.OrganizationId == organization && a.Action == OrganizationAuditActions.MemberJoined && a.ActorId == invitee));
    }

    [Fact]
    public async Task InvitationMail_OrganizationLanguage_IsGermanOrEnglish()
    {
        var (german, owner) = await CompanyAsync(language: "de");
        var (english, englishOwner) = await CompanyAsync(language: "en");
        var toGerman = NewAddress();
        var toEnglish = NewAddress();

        await InviteAndTakeTokenAsync(german, owner, toGerman);
        await InviteAndTakeTokenAsync(english, englishOwner, toEnglish);

        var germanMail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, toGerman);
        var englishMail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, toEnglish);
        Assert.StartsWith("Einladung zu", germanMail.Subject);
        Assert.Contains("als Mitglied beizutreten", germanMail.TextBody);
        Assert.StartsWith("Invitation to", englishMail.Subject);
        Assert.Contains("as Member", englishMail.TextBody);
    }

    [Fact]
    public async Task Accept_OtherAddressOrUnconfirmed_WrongAddressAndNothingChanges()
    {
        var (organization, owner) = await CompanyAsync();
        var email = NewAddress();
        var token = await InviteAndTakeTokenAsync(organization, owner, email);
        var stranger = await factory.CreateUserAsync();
        var invitee = await factory.CreateUserAsync(email);

        Assert.Equal(JoinOutcome.WrongAddress, (await Members.AcceptAsync(stranger, token)).Outcome);
        Assert.Null(await Directory.MembershipAsync(organization, stranger));
        await SetConfirmedAsync(invitee, false);
        Assert.Equal(JoinOutcome.WrongAddress, (await Members.AcceptAsync(invitee, token)).Outcome);
        Assert.Null(await Directory.MembershipAsync(organization, invitee));
        // The invitation is still open for the invited, confirmed address.
        await SetConfirmedAsync(invitee, true);
        Assert.Equal(JoinOutcome.Joined, (await Members.AcceptAsync(invitee, token)).Outcome);
    }

    private async Task SetConfirmedAsync(string userId, bool confirmed)
    {
        await using var db = await DbAsync();
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.EmailConfirmed, confirmed));
    }

    [Fact]
    public async Task Accept_ExpiredRevokedOrUnknown_RefusedAndNoMembership()
    {
        var (organization, owner) = await CompanyAsync();
        var expiredAddress = NewAddress();
        var revokedAddress = NewAddress();
        var expired = await InviteAndTakeTokenAsync(organization, owner, expiredAddress);
        var revoked = await InviteAndTakeTokenAsync(organization, owner, revokedAddress);
        await using (var db = await DbAsync())
        {
            await db.OrganizationInvitations.Where(i => i.Email == expiredAddress.ToUpperInvariant()).ExecuteUpdateAsync(s => s.SetProperty(i => i.ExpiresAt, DateTimeOffset.UtcNow.AddSeconds(-1)));
        }
        var revokedId = (await Members.ListAsync(owner, organization))!.Invitations.Single(i => i.Email == revokedAddress.ToUpperInvariant()).Id;
        Assert.Equal(MemberOutcome.Done, await Members.RevokeInvitationAsync(owner, organization, revokedId));
        var expiredUser = await factory.CreateUserAsync(expiredAddress);
        var revokedUser = await factory.CreateUserAsync(revokedAddress);

        Assert.Equal(JoinOutcome.Expired, (await Members.AcceptAsync(expiredUser, expired)).Outcome);
        Assert.Equal(JoinOutcome.Revoked, (await Members.AcceptAsync(revokedUser, revoked)).Outcome);
        Assert.Equal(JoinOutcome.Unknown, (await Members.AcceptAsync(revokedUser, new string('A', 43))).Outcome);
        Assert.Equal(JoinOutcome.Unknown, (await Members.AcceptAsync(revokedUser, null)).Outcome);
        Assert.Null(await Directory.MembershipAsync(organization, expiredUser));
        Assert.Null(await Directory.MembershipAsync(organization, revokedUser));
        Assert.Empty((await Members.ListAsync(owner, organization))!.Invitations);
        await using var check = await DbAsync();
        Assert.True(await check.AuditEntries.AnyAsync(a => a.OrganizationId == organization && a.Action == OrganizationAuditActions.InvitationRevoked && a.Details == $"invitation {revokedId}"));
    }

    [Fact]
    public async Task Invite_SameAddressAgain_ReplacesThePendingInvitation()
    {
        var (organization, owner) = await CompanyAsync();
        var email = NewAddress();
        var first = await InviteAndTakeTokenAsync(organization, owner, email);
        Assert.Equal(MemberOutcome.Done, await Members.InviteAsync(owner, organization, email.ToUpperInvariant(), OrganizationRole.Admin, Portal));

        var pending = Assert.Single((await Members.ListAsync(owner, organization))!.Invitations);
        Assert.Equal(OrganizationRole.Admin, pending.Role);
        var invitee = await factory.CreateUserAsync(email);
        Assert.Equal(JoinOutcome.Revoked, (await Members.AcceptAsync(invitee, first)).Outcome);
    }

    [Fact]
    public async Task Invite_PendingLimitReached_Refused()
    {
        var (organization, owner) = await CompanyAsync();
        await using (var db = await DbAsync())
        {
            db.OrganizationInvitations.AddRange(Enumerable.Range(0, 100).Select(i => new OrganizationInvitation
            {
                OrganizationId = organization, Email = $"BULK{i}@PROMPTLEO.TEST", TokenHash = RandomNumberGenerator.GetBytes(32), InvitedBy = owner, ExpiresAt = DateTimeOffset.UtcNow.AddDays(1),
            }));
            await db.SaveChangesAsync();
        }

        Assert.Equal(MemberOutcome.TooManyInvitations, await Members.InviteAsync(owner, organization, NewAddress(), OrganizationRole.Member, Portal));
    }

    [Fact]
    public async Task Invite_BadAddressOrExistingMember_Refused()
    {
        var (organization, owner) = await CompanyAsync();
        var email = NewAddress();
        await MemberAsync(organization, OrganizationRole.Member, email);

        Assert.Equal(MemberOutcome.InvalidEmail, await Members.InviteAsync(owner, organization, "not an address", OrganizationRole.Member, Portal));
        Assert.Equal(MemberOutcome.AlreadyMember, await Members.InviteAsync(owner, organization, email, OrganizationRole.Member, Portal));
    }

    [Fact]
    public async Task PersonalOrganization_TakesNoMembers_AndCannotBeLeft()
    {
        var owner = await factory.CreateUserAsync();
        var personal = await Directory.PersonalIdAsync(owner);

        Assert.Equal(MemberOutcome.PersonalOrganization, await Members.InviteAsync(owner, personal, NewAddress(), OrganizationRole.Member, Portal));
        Assert.Equal(MemberOutcome.PersonalOrganization, await Members.LeaveAsync(owner, personal, null));
        Assert.Equal(MemberOutcome.PersonalOrganization, await Members.ChangeRoleAsync(owner, personal, owner, OrganizationRole.Admin));
    }

    [Fact]
    public async Task LastOwner_CannotLeaveBeDemotedOrRemoved()
    {
        var (organization, owner) = await CompanyAsync();
        var second = await MemberAsync(organization, OrganizationRole.Owner);

        Assert.Equal(MemberOutcome.Done, await Members.ChangeRoleAsync(owner, organization, second, OrganizationRole.Member));

        Assert.Equal(MemberOutcome.LastOwner, await Members.LeaveAsync(owner, organization, null));
        Assert.Equal(MemberOutcome.LastOwner, await Members.ChangeRoleAsync(owner, organization, owner, OrganizationRole.Admin));
        Assert.Equal(MemberOutcome.Forbidden, await Members.RemoveAsync(owner, organization, owner));
        Assert.Equal(OrganizationRole.Owner, (await Directory.MembershipAsync(organization, owner))!.Role);
        // With a second owner again, the first may step down.
        Assert.Equal(MemberOutcome.Done, await Members.ChangeRoleAsync(owner, organization, second, OrganizationRole.Owner));
        Assert.Equal(MemberOutcome.Done, await Members.ChangeRoleAsync(owner, organization, owner, OrganizationRole.Admin));
        Assert.Equal(MemberOutcome.LastOwner, await Members.LeaveAsync(second, organization, null));
    }

    [Fact]
    public async Task Admin_ManagesEveryoneButOwners()
    {
        var (organization, owner) = await CompanyAsync();
        var admin = await MemberAsync(organization, OrganizationRole.Admin);
        var member = await MemberAsync(organization, OrganizationRole.Member);
        var other = await MemberAsync(organization, OrganizationRole.Member);

        Assert.Equal(MemberOutcome.Forbidden, await Members.InviteAsync(admin, organization, NewAddress(), OrganizationRole.Owner, Portal));
        Assert.Equal(MemberOutcome.Forbidden, await Members.ChangeRoleAsync(admin, organization, member, OrganizationRole.Owner));
        Assert.Equal(MemberOutcome.Forbidden, await Members.ChangeRoleAsync(admin, organization, owner, OrganizationRole.Member));
        Assert.Equal(MemberOutcome.Forbidden, await Members.RemoveAsync(admin, organization, owner));
        Assert.Equal(MemberOutcome.Forbidden, await Members.SetBudgetAsync(admin, organization, owner, 10m));

        Assert.Equal(MemberOutcome.Done, await Members.InviteAsync(admin, organization, NewAddress(), OrganizationRole.Admin, Portal));
        Assert.Equal(MemberOutcome.Done, await Members.ChangeRoleAsync(admin, organization, member, OrganizationRole.Billing));
        Assert.Equal(MemberOutcome.Done, await Members.SetBudgetAsync(admin, organization, member, 12.5m));
        Assert.Equal(MemberOutcome.Done, await Members.RemoveAsync(admin, organization, other));
        Assert.Equal(MemberOutcome.Done, await Members.ChangeRoleAsync(owner, organization, member, OrganizationRole.Owner));

        await using var db = await DbAsync();
        var row = await db.OrganizationMembers.SingleAsync(m => m.OrganizationId == organization && m.UserId == member);
        Assert.Equal((OrganizationRole.Owner, 12_500_000L), (row.Role, row.MonthlyBudgetMicros));
        Assert.Null(await Directory.MembershipAsync(organization, other));
        var actions = await db.AuditEntries.Where(a => a.OrganizationId == organization && a.SubjectId == member).Select(a => a.Action).ToListAsync();
        Assert.Equal(2, actions.Count(a => a == OrganizationAuditActions.RoleChanged));
        Assert.Single(actions, OrganizationAuditActions.BudgetChanged);
    }

    [Fact]
    public async Task MemberBillingOrStranger_CannotManage()
    {
        var (organization, owner) = await CompanyAsync();
        var member = await MemberAsync(organization, OrganizationRole.Member);
        var billing = await MemberAsync(organization, OrganizationRole.Billing);
        var stranger = await factory.CreateUserAsync();

        Assert.Equal(MemberOutcome.Forbidden, await Members.InviteAsync(member, organization, NewAddress(), OrganizationRole.Member, Portal));
        Assert.Equal(MemberOutcome.Forbidden, await Members.RemoveAsync(billing, organization, member));
        Assert.Equal(MemberOutcome.Forbidden, await Members.SetBudgetAsync(member, organization, member, 1m));
        Assert.Equal(MemberOutcome.NotFound, await Members.RemoveAsync(stranger, organization, member));
        Assert.Equal(MemberOutcome.NotFound, await Members.InviteAsync(stranger, organization, NewAddress(), OrganizationRole.Member, Portal));
        Assert.Null(await Members.ListAsync(stranger, organization));
        Assert.Equal(MemberOutcome.InvalidBudget, await Members.SetBudgetAsync(owner, organization, member, -1m));
        // Everyone in the organization sees who is in it, but not the budgets or the invitations.
        var seen = (await Members.ListAsync(member, organization))!;
        Assert.Equal(3, seen.Members.Count);
        Assert.All(seen.Members, m => Assert.Null(m.MonthlyBudgetMicros));
        Assert.Empty(seen.Invitations);
    }

    [Fact]
    public async Task Leave_Member_KeysOfThatOrganizationRevoked_CurrentSessionKept()
    {
        var (organization, _) = await CompanyAsync();
        var (client, email, member) = await factory.SignedInClientAsync();
        Guid session;
        await using (var db = await DbAsync())
        {
            session = await db.UserSessions.Where(s => s.UserId == member).Select(s => s.Id).SingleAsync();
            db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = organization, UserId = member, Role = OrganizationRole.Member });
            await db.SaveChangesAsync();
        }
        var otherBrowser = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(otherBrowser, email, ApiPortalFactory.UserPassword)).StatusCode);
        Assert.True(await Directory.SetActiveAsync(member, organization));
        var key = await factory.CreateKeyAsync(member);

        Assert.Equal(MemberOutcome.Done, await Members.LeaveAsync(member, organization, session));

        Assert.Null(await Directory.MembershipAsync(organization, member));
        Assert.Equal(HttpStatusCode.Unauthorized, (await ChatAsync(key.Secret)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/organization/members")).StatusCode);
        var signedOut = await otherBrowser.GetAsync("/organization/members");
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Contains("/Account/Login", signedOut.Headers.Location!.OriginalString);
        await using var check = await DbAsync();
        Assert.True(await check.AuditEntries.AnyAsync(a => a.OrganizationId == organization && a.Action == OrganizationAuditActions.MemberLeft && a.SubjectId == member && a.Details.Contains("1 API keys revoked")));
        Assert.Null(await check.Users.Where(u => u.Id == member).Select(u => u.ActiveOrganizationId).SingleAsync());
    }

    [Fact]
    public async Task Remove_Member_SessionsEnd_KeysOfThatOrganizationStop_OtherKeysWork_ContentStays()
    {
        var (organization, owner) = await CompanyAsync();
        var (other, otherOwner) = await CompanyAsync();
        var (client, email, member) = await factory.SignedInClientAsync();
        await using (var db = await DbAsync())
        {
            db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = organization, UserId = member, Role = OrganizationRole.Admin });
            db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = other, UserId = member, Role = OrganizationRole.Member });
            await db.SaveChangesAsync();
        }
        var personalKey = await factory.CreateKeyAsync(member);
        Assert.True(await Directory.SetActiveAsync(member, other));
        var otherKey = await factory.CreateKeyAsync(member);
        Assert.True(await Directory.SetActiveAsync(member, organization));
        var removedKey = await factory.CreateKeyAsync(member);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/organization/members")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync(removedKey.Secret)).StatusCode);

        string? stamp;
        await using (var db = await DbAsync())
        {
            stamp = await db.Users.Where(u => u.Id == member).Select(u => u.SecurityStamp).SingleAsync();
        }

        Assert.Equal(MemberOutcome.Done, await Members.RemoveAsync(owner, organization, member));

        var signedOut = await client.GetAsync("/organization/members");
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Contains("/Account/Login", signedOut.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ChatAsync(removedKey.Secret)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync(otherKey.Secret)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync(personalKey.Secret)).StatusCode);
        Assert.NotNull(await Directory.MembershipAsync(other, member));
        await using var check = await DbAsync();
        Assert.Null(await check.Users.Where(u => u.Id == member).Select(u => u.ActiveOrganizationId).SingleAsync());
        Assert.Empty(await check.UserSessions.Where(s => s.UserId == member).ToListAsync());
        Assert.NotEqual(stamp, await check.Users.Where(u => u.Id == member).Select(u => u.SecurityStamp).SingleAsync());
        var entry = await check.AuditEntries.SingleAsync(a => a.OrganizationId == organization && a.Action == OrganizationAuditActions.MemberRemoved);
        Assert.Equal((owner, member), (entry.ActorId, entry.SubjectId));
        Assert.DoesNotContain("@", entry.Details);
        var notice = await MailPickup.WaitForMailToAsync(factory.MailDirectory, email);
        Assert.Contains("removed", notice.Subject);
        _ = otherOwner;
    }

    [Fact]
    public async Task AuditLog_ManagersOnly_NewestFirst_FilteredAndPaged_NoAddresses()
    {
        var (organization, owner) = await CompanyAsync();
        var member = await MemberAsync(organization, OrganizationRole.Member);
        var admin = await MemberAsync(organization, OrganizationRole.Admin);
        var stranger = await factory.CreateUserAsync();
        foreach (var _ in Enumerable.Range(0, 3))
        {
            Assert.Equal(MemberOutcome.Done, await Members.InviteAsync(owner, organization, NewAddress(), OrganizationRole.Member, Portal));
        }
        Assert.Equal(MemberOutcome.Done, await Members.InviteAsync(admin, organization, NewAddress(), OrganizationRole.Member, Portal));
        Assert.Equal(MemberOutcome.Done, await Members.RemoveAsync(owner, organization, admin));
        var log = factory.Services.GetRequiredService<OrganizationAuditLog>();

        var (outcome, page) = await log.ReadAsync(owner, organization, null, 0, 2);
        var (_, invited) = await log.ReadAsync(owner, organization, OrganizationAuditActions.MemberInvited, 0, 10);

        Assert.Equal(MemberOutcome.Done, outcome);
        Assert.Equal(6, page!.Total);
        Assert.Equal(2, page.Rows.Count);
        Assert.Equal(OrganizationAuditActions.MemberRemoved, page.Rows[0].Action);
        Assert.True(page.Rows[0].Id > page.Rows[1].Id);
        Assert.Equal(4, invited!.Total);
        Assert.All(invited.Rows, r => Assert.DoesNotContain("@", r.Details));
        // The actor is named while a member: the removed admin's invitation shows no name.
        Assert.Null(invited.Rows[0].ActorName);
        Assert.All(invited.Rows.Skip(1), r => Assert.EndsWith("@promptleo.test", r.ActorName));
        Assert.Equal(OrganizationAuditActions.Created, (await log.ReadAsync(owner, organization, null, 1, 5)).Page!.Rows.Single().Action);
        Assert.Equal(MemberOutcome.Forbidden, (await log.ReadAsync(member, organization, null, 0, 10)).Outcome);
        Assert.Equal(MemberOutcome.NotFound, (await log.ReadAsync(stranger, organization, null, 0, 10)).Outcome);
    }

    private async Task<HttpResponseMessage> ChatAsync(string secret)
    {
        using var client = factory.ClientWithKey(secret);
        return await client.PostAsJsonAsync("/v1/chat/completions", new { model = ApiPortalFactory.ChatModel, messages = new[] { new { role = "user", content = "hallo" } }, max_tokens = 1 });
    }

    private static int Base64UrlBytes(string token) => Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/') + "=").Length;
}

public sealed class OrganizationMembersTests(ApiPortalFactory factory) : OrganizationMembersTests<ApiPortalFactory>(factory);

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class OrganizationMembersPostgresTests(PostgresApiPortal factory) : OrganizationMembersTests<PostgresApiPortal>(factory);
