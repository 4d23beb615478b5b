using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Organizations;

/// <summary>
/// Ends a membership (removal or leaving): the membership row, the member's API keys of that organization (revoked,
/// their kept prompt caches dropped), the active-organization choice, and the member's browser sessions. Their personal
/// content is untouched: the organization never had access to it.
/// </summary>
public sealed class MembershipEnding(
    OrganizationDirectory directory,
    Sessions.SessionStore sessions,
    Cluster.IClusterBus cluster,
    OrganizationMail mail,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<MembershipEnding> logger)
{
    /// <param name="keepSession">Null ends every session of the member (removal); the leaving member's own browser stays signed in.</param>
    public async Task EndAsync(AppDbContext db, IDbContextTransaction transaction, string actorId, Guid organizationId, string memberId, string action, Guid? keepSession, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await db.OrganizationMembers.Where(m => m.OrganizationId == organizationId && m.UserId == memberId).ExecuteDeleteAsync(cancellationToken);
        var keys = db.ApiKeys.Where(k => k.OrganizationId == organizationId && k.UserId == memberId && k.RevokedAt == null);
        var keyIds = await keys.Select(k => k.Id).ToListAsync(cancellationToken);
        await keys.ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), cancellationToken);
        await db.Users.Where(u => u.Id == memberId && u.ActiveOrganizationId == organizationId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.ActiveOrganizationId, (Guid?)null), cancellationToken);
        var entry = directory.Audit(actorId, organizationId, action, $"member {memberId}, {keyIds.Count} API keys revoked");
        entry.SubjectId = memberId;
        db.AuditEntries.Add(entry);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        foreach (var keyId in keyIds)
        {
            await cluster.PublishAsync(Cluster.ClusterInvalidation.ForApiKey(memberId, keyId), cancellationToken);
        }
        var ended = await EndSessionsAsync(memberId, keepSession, cancellationToken);
        logger.LogInformation("Membership of {UserId} in {OrganizationId} ended ({Action}): {KeyCount} keys revoked, {SessionCount} sessions ended",
            memberId, organizationId, action, keyIds.Count, ended);
        if (action == OrganizationAuditActions.MemberRemoved)
        {
            try
            {
                await mail.SendRemovedAsync(organizationId, memberId, cancellationToken);
            }
            catch (Exception failure) when (failure is not OperationCanceledException)
            {
                // The removal stands; only the notice is lost. The type only: SMTP errors quote the address.
                logger.LogWarning("Removal notice to {UserId} for {OrganizationId} could not be sent: {Error}", memberId, organizationId, failure.GetType().Name);
            }
        }
    }

    // As "sign out everywhere": the session rows go (this node's cache too, so open circuits fail their next revalidation)
    // and, on removal, a new security stamp reaches cookies checked by other nodes.
    private async Task<int> EndSessionsAsync(string memberId, Guid? keepSession, CancellationToken cancellationToken)
    {
        if (keepSession is null)
        {
            await using var scope = scopes.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            if (await users.FindByIdAsync(memberId) is { } user)
            {
                await users.UpdateSecurityStampAsync(user);
            }
        }
        return await sessions.RevokeAllAsync(memberId, keepSession, cancellationToken);
    }
}
