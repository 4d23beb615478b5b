using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Organizations;

/// <summary>
/// Erasure: the account leaves every organization, its personal organization and every organization it was the only
/// member of go, and invitations addressed to it are deleted. Booked usage keeps its organization id (no name).
/// </summary>
public sealed class OrganizationErasureParticipant : IErasureParticipant
{
    public async Task<IReadOnlyDictionary<string, int>> CountAsync(AppDbContext db, string userId, CancellationToken cancellationToken) =>
        new Dictionary<string, int> { ["organization memberships"] = await db.OrganizationMembers.CountAsync(m => m.UserId == userId, cancellationToken) };

    public async Task EraseAsync(AppDbContext db, string userId, string pseudonym, CancellationToken cancellationToken)
    {
        var alone = await db.OrganizationMembers.Where(m => m.UserId == userId)
            .Where(m => !db.OrganizationMembers.Any(other => other.OrganizationId == m.OrganizationId && other.UserId != userId))
            .Select(m => m.OrganizationId).ToListAsync(cancellationToken);
        await db.Organizations.Where(o => o.PersonalOwnerId == userId || alone.Contains(o.Id)).ExecuteDeleteAsync(cancellationToken);
        await db.OrganizationMembers.Where(m => m.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        if (await db.Users.Where(u => u.Id == userId).Select(u => u.NormalizedEmail).FirstOrDefaultAsync(cancellationToken) is { } email)
        {
            await db.OrganizationInvitations.Where(i => i.Email == email).ExecuteDeleteAsync(cancellationToken);
        }
    }
}
