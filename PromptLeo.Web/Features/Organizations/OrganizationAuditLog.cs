using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Organizations;

/// <summary>One line of an organization's audit log; the actor is named only while still a member.</summary>
public sealed record OrganizationAuditRow(long Id, DateTimeOffset At, string Action, string? ActorName, string Details);

public sealed record OrganizationAuditSlice(IReadOnlyList<OrganizationAuditRow> Rows, int Total);

/// <summary>
/// The readable label of every action an organization's audit log holds; the English label is the key of
/// OrganizationsResource (German in the .de.resx). Unknown names show as they are.
/// </summary>
public static class OrganizationAuditLabels
{
    public static IReadOnlyDictionary<string, string> English { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [OrganizationAuditActions.Created] = "Organization created",
        [OrganizationAuditActions.Updated] = "Contract data changed",
        [OrganizationAuditActions.MemberInvited] = "Member invited",
        [OrganizationAuditActions.InvitationRevoked] = "Invitation withdrawn",
        [OrganizationAuditActions.MemberJoined] = "Member joined",
        [OrganizationAuditActions.MemberRemoved] = "Member removed",
        [OrganizationAuditActions.MemberLeft] = "Member left",
        [OrganizationAuditActions.RoleChanged] = "Role changed",
        [OrganizationAuditActions.BudgetChanged] = "Budget changed",
        [OrganizationAuditActions.DpaAccepted] = "DPA accepted",
        [OrganizationAuditActions.BillingModeChanged] = "Payment mode changed",
        [OrganizationAuditActions.CreditBooked] = "Credit booked",
        [OrganizationAuditActions.ApiKeyRevoked] = "API key revoked",
        [OrganizationAuditActions.ApiKeyBudgetChanged] = "API key budget changed",
        [OrganizationAuditActions.ApiKeyChanged] = "Member's API key changed",
        [OrganizationAuditActions.Deleted] = "Organization deleted",
        [Sso.SsoAuditActions.Configured] = "Single sign-on configured",
        // Account-log actions that ApiKeyService and PriceList also write with the organization's id.
        [Privacy.AuditActions.ApiKeyCreated] = "API key created",
        [Privacy.AuditActions.ApiKeyChanged] = "API key changed",
        [Privacy.AuditActions.PriceChanged] = "Contracted price changed",
        // Payment entries carry the organization too; Billing's names are spelled out because Organizations must not reference Billing.
        ["payment.top-up-requested"] = "Top-up requested",
        ["payment.top-up-booked"] = "Top-up booked",
        ["payment.top-up-failed"] = "Top-up failed",
        ["payment.top-up-reversed"] = "Top-up reversed",
    };

    public static string For(Microsoft.Extensions.Localization.IStringLocalizer localizer, string action) =>
        English.TryGetValue(action, out var label) ? localizer[label] : action;
}

/// <summary>The organization's audit log for its owners and admins: newest first, paged, filterable by action.</summary>
public sealed class OrganizationAuditLog(IDbContextFactory<AppDbContext> dbFactory)
{
    public const int MaxPageSize = 100;

    /// <summary>The stable names of the actions the log holds, for the filter.</summary>
    public static IReadOnlyList<string> Actions { get; } = [.. OrganizationAuditLabels.English.Keys];

    /// <summary>A page of entries; <see cref="MemberOutcome.NotFound"/> for non-members, <see cref="MemberOutcome.Forbidden"/> for roles without the log.</summary>
    public async Task<(MemberOutcome Outcome, OrganizationAuditSlice? Page)> ReadAsync(string callerId, Guid organizationId, string? action, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await OrganizationDirectory.MembershipAsync(db, organizationId, callerId, cancellationToken) is not { } caller)
        {
            return (MemberOutcome.NotFound, null);
        }
        if (!OrganizationPermissions.CanManageMembers(caller.Role))
        {
            return (MemberOutcome.Forbidden, null);
        }
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        var query = db.AuditEntries.AsNoTracking().Where(a => a.OrganizationId == organizationId);
        if (!string.IsNullOrEmpty(action))
        {
            query = query.Where(a => a.Action == action);
        }
        var total = await query.CountAsync(cancellationToken);
        var rows = await (from a in query
                          join m in db.OrganizationMembers.Where(m => m.OrganizationId == organizationId) on a.ActorId equals m.UserId into members
                          from m in members.DefaultIfEmpty()
                          join u in db.Users on m.UserId equals u.Id into users
                          from u in users.DefaultIfEmpty()
                          orderby a.Id descending
                          select new OrganizationAuditRow(a.Id, a.At, a.Action, u == null ? null : (u.DisplayName ?? u.Email), a.Details))
            .Skip(Math.Max(0, page) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return (MemberOutcome.Done, new OrganizationAuditSlice(rows, total));
    }
}
