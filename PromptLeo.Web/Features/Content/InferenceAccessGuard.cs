using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Content;

/// <summary>The account's processing is restricted (Art. 18) or the account is gone; no inference may run.</summary>
public sealed class ProcessingRestrictedException(string message) : Exception(message);

/// <summary>What a feature service needs to know about the account before it runs inference.</summary>
public sealed record InferenceAccount(string UserId, int? ChatRetentionDays, int? ImageRetentionDays)
{
    /// <summary>Zero-retention mode: chats are answered but never written.</summary>
    public bool StoresChats => ChatRetentionDays is not 0;
}

/// <summary>Checked by every feature service (portal and API) before inference runs.</summary>
public sealed class InferenceAccessGuard(IDbContextFactory<AppDbContext> dbFactory)
{
    /// <exception cref="ProcessingRestrictedException">Restricted, disabled or erased account.</exception>
    public async Task<InferenceAccount> EnsureAllowedAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new { u.ProcessingRestricted, u.DisabledAt, u.ChatRetentionDays, u.ImageRetentionDays })
            .FirstOrDefaultAsync(cancellationToken)
            ?? throw new ProcessingRestrictedException("This account no longer exists.");
        // A portal sign-in lockout is no reason to stop inference: only an admin's disable is.
        if (user.DisabledAt is not null)
        {
            throw new ProcessingRestrictedException("This account has been disabled by an administrator.");
        }
        if (user.ProcessingRestricted)
        {
            throw new ProcessingRestrictedException("Processing is restricted for this account (Art. 18 GDPR). Lift the restriction in the Privacy Center to use the models again.");
        }
        return new InferenceAccount(userId, user.ChatRetentionDays, user.ImageRetentionDays);
    }
}
