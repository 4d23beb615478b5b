using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Organizations;

/// <summary>
/// Erasure, as docs/gdpr.md "Organizations: who keeps what" decides it. The account's content was never the
/// organization's and goes with the account (Chat, Images); here the account leaves every organization, its personal
/// organization and every company organization it was the only member of go (their invitations with them), invitations
/// addressed to its e-mail address are deleted and those it sent keep only the erasure pseudonym. The organizations'
/// booked usage keeps its organization id and loses the person (Billing pseudonymizes it).
/// The last owner of a company organization that still has other members cannot be erased: the organization would be
/// left without anyone who may accept its contract, pay its invoices or remove its members.
/// </summary>
public sealed class OrganizationErasureParticipant : IErasureParticipant
{
    /// <summary>The erase page's warning; its German version is in the Privacy resources.</summary>
    public const string LastOwnerMessage = "You are the last owner of {0}, which still has other members. Make another member an owner, or remove the other members, before you delete your account.";

    public async Task<IReadOnlyList<ErasureObstacle>> ObstaclesAsync(AppDbContext db, string userId, CancellationToken cancellationToken)
    {
        var names = await (from m in db.OrganizationMembers
                           join o in db.Organizations on m.OrganizationId equals o.Id
                           where m.UserId == userId && m.Role == OrganizationRole.Owner && o.PersonalOwnerId == null
                           where !db.OrganizationMembers.Any(other => other.OrganizationId == o.Id && other.UserId != userId && other.Role == OrganizationRole.Owner)
                           where db.OrganizationMembers.Any(other => other.OrganizationId == o.Id && other.UserId != userId)
                           orderby o.Name
                           select o.Name).ToListAsync(cancellationToken);
        return names.Count == 0 ? [] : [new ErasureObstacle(LastOwnerMessage, names)];
    }

    public async Task<IReadOnlyDictionary<string, int>> CountAsync(AppDbContext db, string userId, CancellationToken cancellationToken) => new Dictionary<string, int>
    {
        ["organizationMemberships"] = await CompanyMemberships(db, userId).CountAsync(cancellationToken),
        ["organizationsDeleted"] = await AloneIn(db, userId).CountAsync(cancellationToken),
        ["organizationInvitations"] = await InvitationsOf(db, await EmailAsync(db, userId, cancellationToken)).CountAsync(cancellationToken),
    };

    public async Task EraseAsync(AppDbContext db, string userId, string pseudonym, CancellationToken cancellationToken)
    {
        var deleted = await AloneIn(db, userId).Select(o => o.Id).ToListAsync(cancellationToken);
        // Invitations and memberships also cascade in the database; deleted here so the step does not depend on it.
        await db.OrganizationInvitations.Where(i => deleted.Contains(i.OrganizationId)).ExecuteDeleteAsync(cancellationToken);
        await db.Organizations.Where(o => o.PersonalOwnerId == userId || deleted.Contains(o.Id)).ExecuteDeleteAsync(cancellationToken);
        await db.OrganizationMembers.Where(m => m.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await InvitationsOf(db, await EmailAsync(db, userId, cancellationToken)).ExecuteDeleteAsync(cancellationToken);
        // The organization keeps the invitations its (former) member sent, as its own records, without the person.
        await db.OrganizationInvitations.Where(i => i.InvitedBy == userId).ExecuteUpdateAsync(s => s.SetProperty(i => i.InvitedBy, pseudonym), cancellationToken);
    }

    /// <summary>Company organizations the user belongs to (the personal one is part of the account).</summary>
    internal static IQueryable<OrganizationMember> CompanyMemberships(AppDbContext db, string userId) =>
        db.OrganizationMembers.Where(m => m.UserId == userId && db.Organizations.Any(o => o.Id == m.OrganizationId && o.PersonalOwnerId == null));

    /// <summary>Company organizations whose only member is the user: they end with the account.</summary>
    private static IQueryable<Organization> AloneIn(AppDbContext db, string userId) =>
        db.Organizations.Where(o => o.PersonalOwnerId == null
            && db.OrganizationMembers.Any(m => m.OrganizationId == o.Id && m.UserId == userId)
            && !db.OrganizationMembers.Any(m => m.OrganizationId == o.Id && m.UserId != userId));

    /// <summary>Invitations addressed to the account's (normalized) e-mail address.</summary>
    internal static IQueryable<OrganizationInvitation> InvitationsOf(AppDbContext db, string? normalizedEmail) =>
        db.OrganizationInvitations.Where(i => normalizedEmail != null && i.Email == normalizedEmail);

    internal static Task<string?> EmailAsync(AppDbContext db, string userId, CancellationToken cancellationToken) =>
        db.Users.Where(u => u.Id == userId).Select(u => u.NormalizedEmail).FirstOrDefaultAsync(cancellationToken);
}
