using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Content;

/// <summary>Checked by every feature service (portal and API) before inference runs.</summary>
public sealed class InferenceAccessGuard(IDbContextFactory<AppDbContext> dbFactory)
{
    /// <exception cref="ProcessingRestrictedException">Restricted, locked out or erased account.</exception>
    public async Task<InferenceAccount> EnsureAllowedAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new { u.ProcessingRestricted, u.LockoutEnd, u.ChatRetentionDays, u.ImageRetentionDays })
            .FirstOrDefaultAsync(cancellationToken)
            ?? throw new ProcessingRestrictedException("This account no longer exists.");
        if (user.LockoutEnd is { } end && end > DateTimeOffset.UtcNow)
        {
            throw new ProcessingRestrictedException("This account is locked.");
        }
        if (user.ProcessingRestricted)
        {
            throw new ProcessingRestrictedException("Processing is restricted for this account (Art. 18 GDPR). Lift the restriction in the Privacy Center to use the models again.");
        }
        return new InferenceAccount(userId, user.ChatRetentionDays, user.ImageRetentionDays);
    }
}
