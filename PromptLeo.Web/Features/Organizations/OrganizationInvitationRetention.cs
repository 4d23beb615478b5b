using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Organizations;

/// <summary>
/// Invitations hold the address of someone who may never have registered (Art. 5(1)(c), (e)): they are deleted
/// <see cref="OrganizationInvitation.KeptDaysAfterExpiry"/> days after their link expired; who joined when stays in the
/// organization's audit log.
/// </summary>
public sealed class OrganizationInvitationRetention : IRetentionParticipant
{
    public async Task<IReadOnlyDictionary<string, int>> PurgeAsync(AppDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var expiredBefore = now.AddDays(-OrganizationInvitation.KeptDaysAfterExpiry);
        return new Dictionary<string, int>
        {
            ["expiredInvitations"] = await db.OrganizationInvitations.Where(i => i.ExpiresAt < expiredBefore).ExecuteDeleteAsync(cancellationToken),
        };
    }
}
