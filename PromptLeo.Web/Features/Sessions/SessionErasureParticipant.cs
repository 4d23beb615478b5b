using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Sessions;

/// <summary>Sessions go with the account: nothing about them is retained.</summary>
public sealed class SessionErasureParticipant : IErasureParticipant
{
    public async Task EraseAsync(AppDbContext db, string userId, string pseudonym, CancellationToken cancellationToken) =>
        await db.UserSessions.Where(s => s.UserId == userId).ExecuteDeleteAsync(cancellationToken);

    public IEnumerable<RetainedCategory> RetainedCategories(DateTimeOffset now) => [];
}
