using System.Data;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Organizations;

/// <summary>Why a member action was refused (or <see cref="Done"/>); pages show a localized text for each.</summary>
public enum MemberOutcome
{
    Done,
    /// <summary>No such organization, member or invitation for this caller (also: not a member at all).</summary>
    NotFound,
    /// <summary>The caller's role does not allow it.</summary>
    Forbidden,
    PersonalOrganization,
    LastOwner,
    AlreadyMember,
    TooManyInvitations,
    InvalidEmail,
    InvalidBudget,
}

public sealed record MemberRow(string UserId, string Name, string Email, OrganizationRole Role, DateTimeOffset JoinedAt, long? MonthlyBudgetMicros);

public sealed record InvitationRow(Guid Id, string Email, OrganizationRole Role, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

/// <summary>What the caller sees on the members page: everyone sees the members; owners and admins also budgets and invitations.</summary>
public sealed record MemberList(Guid OrganizationId, string Name, bool IsPersonal, OrganizationRole CallerRole, IReadOnlyList<MemberRow> Members, IReadOnlyList<InvitationRow> Invitations)
{
    public bool IsManager => OrganizationPermissions.CanManageMembers(CallerRole);

    /// <summary>Whether the caller may change or remove <paramref name="member"/> (owners only by owners).</summary>
    public bool CanManage(MemberRow member) => IsManager && (OrganizationPermissions.IsOwner(CallerRole) || member.Role != OrganizationRole.Owner);
}

/// <summary>The state of an invitation link as the join page shows it.</summary>
public enum InvitationState { Valid, Unknown, Expired, Revoked, Used }

/// <param name="ForCaller">Whether the caller's confirmed e-mail address is the invited one.</param>
public sealed record InvitationView(InvitationState State, Guid OrganizationId, string OrganizationName, OrganizationRole Role, DateTimeOffset ExpiresAt, bool ForCaller);

/// <summary>Outcome of accepting an invitation.</summary>
public enum JoinOutcome { Joined, Unknown, Expired, Revoked, Used, WrongAddress, AlreadyMember }

/// <summary>
/// Members, roles, invitations, leaving and removal of company organizations. Every rule is checked here, against the
/// database at the time of the action (never the page's view): personal organizations take no members, an organization
/// always keeps an owner, only owners grant, change or remove the Owner role, admins manage everyone else.
/// </summary>
public sealed class OrganizationMembers(
    IDbContextFactory<AppDbContext> dbFactory,
    OrganizationDirectory directory,
    MembershipEnding ending,
    OrganizationMail mail,
    IOptions<OrganizationsOptions> options,
    TimeProvider time,
    ILogger<OrganizationMembers> logger)
{
    /// <summary>The organization's members for a member of it; null when the caller is not a member.</summary>
    public async Task<MemberList?> ListAsync(string callerId, Guid organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await OrganizationDirectory.MembershipAsync(db, organizationId, callerId, cancellationToken) is not { } caller)
        {
            return null;
        }
        var manager = OrganizationPermissions.CanManageMembers(caller.Role);
        var members = await (from m in db.OrganizationMembers
                             join u in db.Users on m.UserId equals u.Id
                             where m.OrganizationId == organizationId
                             select new { m.UserId, u.DisplayName, u.Email, m.Role, m.JoinedAt, m.MonthlyBudgetMicros }).ToListAsync(cancellationToken);
        var rows = members
            .Select(m => new MemberRow(m.UserId, string.IsNullOrWhiteSpace(m.DisplayName) ? m.Email ?? "" : m.DisplayName, m.Email ?? "", m.Role, m.JoinedAt, manager ? m.MonthlyBudgetMicros : null))
            .OrderBy(m => m.Role).ThenBy(m => m.Name, StringComparer.CurrentCultureIgnoreCase).ToList();
        IReadOnlyList<InvitationRow> invitations = [];
        if (manager)
        {
            var now = time.GetUtcNow();
            invitations = (await Pending(db, organizationId, now).ToListAsync(cancellationToken))
                .OrderByDescending(i => i.CreatedAt)
                .Select(i => new InvitationRow(i.Id, i.Email, i.Role, i.CreatedAt, i.ExpiresAt)).ToList();
        }
        return new MemberList(organizationId, caller.Name, caller.IsPersonal, caller.Role, rows, invitations);
    }

    /// <summary>
    /// Invites <paramref name="email"/> with <paramref name="role"/> and mails the link (<c>/organization/join?token=…</c>
    /// under <paramref name="portalBase"/>). A pending invitation to the same address is replaced.
    /// </summary>
    public async Task<MemberOutcome> InviteAsync(string callerId, Guid organizationId, string email, OrganizationRole role, Uri portalBase, CancellationToken cancellationToken = default)
    {
        email = email.Trim();
        if (email.Length is 0 or > 256 || !System.Net.Mail.MailAddress.TryCreate(email, out var parsed) || parsed.Address != email)
        {
            return MemberOutcome.InvalidEmail;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
        var (refusal, caller) = await CheckManagerAsync(db, callerId, organizationId, role, cancellationToken);
        if (refusal is { } refused)
        {
            return refused;
        }
        var normalized = email.ToUpperInvariant();
        if (await db.OrganizationMembers.AnyAsync(m => m.OrganizationId == organizationId && db.Users.Any(u => u.Id == m.UserId && u.NormalizedEmail == normalized), cancellationToken))
        {
            return MemberOutcome.AlreadyMember;
        }
        var now = time.GetUtcNow();
        var replaced = await Pending(db, organizationId, now).Where(i => i.Email == normalized).ExecuteUpdateAsync(s => s.SetProperty(i => i.RevokedAt, now), cancellationToken);
        if (await Pending(db, organizationId, now).CountAsync(cancellationToken) >= options.Value.MaxPendingInvitations)
        {
            return MemberOutcome.TooManyInvitations;
        }
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var invitation = new OrganizationInvitation
        {
            OrganizationId = organizationId,
            Email = normalized,
            Role = role,
            TokenHash = HashToken(token),
            InvitedBy = callerId,
            CreatedAt = now,
            ExpiresAt = now.AddDays(options.Value.InvitationDays),
        };
        db.OrganizationInvitations.Add(invitation);
        db.AuditEntries.Add(directory.Audit(callerId, organizationId, OrganizationAuditActions.MemberInvited, $"invitation {invitation.Id}, role {role}{(replaced > 0 ? ", replaces an open invitation" : "")}"));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Invitation {InvitationId} to organization {OrganizationId} created by {UserId}", invitation.Id, organizationId, callerId);
        var link = new Uri(portalBase, "organization/join?token=" + token);
        await mail.SendInvitationAsync(organizationId, caller!.Name, email, role, link, invitation.ExpiresAt, cancellationToken);
        return MemberOutcome.Done;
    }

    /// <summary>Revokes an open invitation; admins cannot revoke an invitation to the Owner role.</summary>
    public async Task<MemberOutcome> RevokeInvitationAsync(string callerId, Guid organizationId, Guid invitationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var invitation = await Pending(db, organizationId, time.GetUtcNow()).FirstOrDefaultAsync(i => i.Id == invitationId, cancellationToken);
        var (refusal, _) = await CheckManagerAsync(db, callerId, organizationId, invitation?.Role ?? OrganizationRole.Member, cancellationToken);
        if (refusal is { } refused)
        {
            return refused;
        }
        if (invitation is null)
        {
            return MemberOutcome.NotFound;
        }
        invitation.RevokedAt = time.GetUtcNow();
        db.AuditEntries.Add(directory.Audit(callerId, organizationId, OrganizationAuditActions.InvitationRevoked, $"invitation {invitation.Id}"));
        await db.SaveChangesAsync(cancellationToken);
        return MemberOutcome.Done;
    }

    /// <summary>Changes a member's role; the Owner role is granted, changed and taken only by owners, and the last owner stays.</summary>
    public async Task<MemberOutcome> ChangeRoleAsync(string callerId, Guid organizationId, string memberId, OrganizationRole role, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(role))
        {
            return MemberOutcome.Forbidden;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
        var (refusal, member) = await CheckTargetAsync(db, callerId, organizationId, memberId, role, cancellationToken);
        if (refusal is { } refused)
        {
            return refused;
        }
        if (member!.Role == role)
        {
            return MemberOutcome.Done;
        }
        if (member.Role == OrganizationRole.Owner && await IsLastOwnerAsync(db, organizationId, cancellationToken))
        {
            return MemberOutcome.LastOwner;
        }
        var entry = directory.Audit(callerId, organizationId, OrganizationAuditActions.RoleChanged, $"member {memberId}, {member.Role} -> {role}");
        entry.SubjectId = memberId;
        db.AuditEntries.Add(entry);
        member.Role = role;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return MemberOutcome.Done;
    }

    /// <summary>Sets or clears a member's monthly budget (EUR); admins cannot set an owner's.</summary>
    public async Task<MemberOutcome> SetBudgetAsync(string callerId, Guid organizationId, string memberId, decimal? monthlyEur, CancellationToken cancellationToken = default)
    {
        if (monthlyEur is < 0 or > 1_000_000)
        {
            return MemberOutcome.InvalidBudget;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (refusal, member) = await CheckTargetAsync(db, callerId, organizationId, memberId, OrganizationRole.Member, cancellationToken);
        if (refusal is { } refused)
        {
            return refused;
        }
        member!.MonthlyBudgetMicros = monthlyEur is { } eur ? (long)Math.Round(eur * 1_000_000m) : null;
        var entry = directory.Audit(callerId, organizationId, OrganizationAuditActions.BudgetChanged, $"member {memberId}, {(monthlyEur is null ? "no budget" : "monthly budget set")}");
        entry.SubjectId = memberId;
        db.AuditEntries.Add(entry);
        await db.SaveChangesAsync(cancellationToken);
        return MemberOutcome.Done;
    }

    /// <summary>Removes another member: their membership, their keys of this organization and every session of theirs end.</summary>
    public async Task<MemberOutcome> RemoveAsync(string callerId, Guid organizationId, string memberId, CancellationToken cancellationToken = default)
    {
        if (memberId == callerId)
        {
            return MemberOutcome.Forbidden; // leaving is its own action, with its own audit entry
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
        var (refusal, member) = await CheckTargetAsync(db, callerId, organizationId, memberId, OrganizationRole.Member, cancellationToken);
        if (refusal is { } refused)
        {
            return refused;
        }
        if (member!.Role == OrganizationRole.Owner && await IsLastOwnerAsync(db, organizationId, cancellationToken))
        {
            return MemberOutcome.LastOwner;
        }
        await ending.EndAsync(db, transaction, callerId, organizationId, memberId, OrganizationAuditActions.MemberRemoved, keepSession: null, cancellationToken);
        return MemberOutcome.Done;
    }

    /// <summary>The caller leaves; their keys of this organization end, and their other browsers are signed out.</summary>
    public async Task<MemberOutcome> LeaveAsync(string callerId, Guid organizationId, Guid? currentSession, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
        if (await OrganizationDirectory.MembershipAsync(db, organizationId, callerId, cancellationToken) is not { } membership)
        {
            return MemberOutcome.NotFound;
        }
        if (membership.IsPersonal)
        {
            return MemberOutcome.PersonalOrganization;
        }
        if (membership.Role == OrganizationRole.Owner && await IsLastOwnerAsync(db, organizationId, cancellationToken))
        {
            return MemberOutcome.LastOwner;
        }
        await ending.EndAsync(db, transaction, callerId, organizationId, callerId, OrganizationAuditActions.MemberLeft, keepSession: currentSession, cancellationToken);
        return MemberOutcome.Done;
    }

    /// <summary>What the join page shows for a link's token; never reveals the invited address.</summary>
    public async Task<InvitationView> DescribeInvitationAsync(string userId, string? token, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var found = await FindAsync(db, token, cancellationToken);
        if (found is null)
        {
            return new InvitationView(InvitationState.Unknown, Guid.Empty, "", OrganizationRole.Member, default, false);
        }
        var name = await db.Organizations.Where(o => o.Id == found.OrganizationId).Select(o => o.Name).FirstAsync(cancellationToken);
        var forCaller = await db.Users.AnyAsync(u => u.Id == userId && u.EmailConfirmed && u.NormalizedEmail == found.Email, cancellationToken);
        return new InvitationView(StateOf(found), found.OrganizationId, name, found.Role, found.ExpiresAt, forCaller);
    }

    /// <summary>
    /// Accepts an invitation for the signed-in user whose confirmed e-mail address is the invited one: they join with
    /// the invited role and the portal switches to the organization. The link works once.
    /// </summary>
    public async Task<(JoinOutcome Outcome, Guid OrganizationId)> AcceptAsync(string userId, string? token, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
        var invitation = await FindAsync(db, token, cancellationToken);
        if (invitation is null)
        {
            return (JoinOutcome.Unknown, Guid.Empty);
        }
        var state = StateOf(invitation);
        if (state != InvitationState.Valid)
        {
            return (state switch { InvitationState.Expired => JoinOutcome.Expired, InvitationState.Revoked => JoinOutcome.Revoked, _ => JoinOutcome.Used }, Guid.Empty);
        }
        var account = await db.Users.Where(u => u.Id == userId).Select(u => new { u.NormalizedEmail, u.EmailConfirmed }).FirstOrDefaultAsync(cancellationToken);
        if (account is null || !account.EmailConfirmed || account.NormalizedEmail != invitation.Email)
        {
            return (JoinOutcome.WrongAddress, Guid.Empty);
        }
        var organizationId = invitation.OrganizationId;
        if (await db.OrganizationMembers.AnyAsync(m => m.OrganizationId == organizationId && m.UserId == userId, cancellationToken))
        {
            return (JoinOutcome.AlreadyMember, organizationId);
        }
        var now = time.GetUtcNow();
        invitation.AcceptedAt = now;
        db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = organizationId, UserId = userId, Role = invitation.Role, JoinedAt = now });
        db.AuditEntries.Add(directory.Audit(userId, organizationId, OrganizationAuditActions.MemberJoined, $"invitation {invitation.Id}, role {invitation.Role}"));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await directory.SetActiveAsync(userId, organizationId, cancellationToken);
        logger.LogInformation("{UserId} joined organization {OrganizationId} by invitation {InvitationId}", userId, organizationId, invitation.Id);
        return (JoinOutcome.Joined, organizationId);
    }

    internal static byte[] HashToken(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private InvitationState StateOf(OrganizationInvitation invitation) =>
        invitation.AcceptedAt is not null ? InvitationState.Used
        : invitation.RevokedAt is not null ? InvitationState.Revoked
        : invitation.ExpiresAt <= time.GetUtcNow() ? InvitationState.Expired
        : InvitationState.Valid;

    private static async Task<OrganizationInvitation?> FindAsync(AppDbContext db, string? token, CancellationToken cancellationToken)
    {
        if (token is not { Length: 43 })
        {
            return null;
        }
        var hash = HashToken(token);
        return await db.OrganizationInvitations.FirstOrDefaultAsync(i => i.TokenHash == hash, cancellationToken);
    }

    private static IQueryable<OrganizationInvitation> Pending(AppDbContext db, Guid organizationId, DateTimeOffset now) =>
        db.OrganizationInvitations.Where(i => i.OrganizationId == organizationId && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now);

    private static async Task<bool> IsLastOwnerAsync(AppDbContext db, Guid organizationId, CancellationToken cancellationToken) =>
        await db.OrganizationMembers.CountAsync(m => m.OrganizationId == organizationId && m.Role == OrganizationRole.Owner, cancellationToken) <= 1;

    /// <summary>The caller manages members of a company organization and may hand out <paramref name="role"/>.</summary>
    private static async Task<(MemberOutcome? Refusal, Membership? Caller)> CheckManagerAsync(AppDbContext db, string callerId, Guid organizationId, OrganizationRole role, CancellationToken cancellationToken)
    {
        if (await OrganizationDirectory.MembershipAsync(db, organizationId, callerId, cancellationToken) is not { } caller)
        {
            return (MemberOutcome.NotFound, null);
        }
        if (caller.IsPersonal)
        {
            return (MemberOutcome.PersonalOrganization, caller);
        }
        if (!OrganizationPermissions.CanManageMembers(caller.Role) || (role == OrganizationRole.Owner && !OrganizationPermissions.IsOwner(caller.Role)))
        {
            return (MemberOutcome.Forbidden, caller);
        }
        return (null, caller);
    }

    /// <summary>As <see cref="CheckManagerAsync"/>, and the target is a member whom the caller may manage (owners only by owners).</summary>
    private static async Task<(MemberOutcome? Refusal, OrganizationMember? Member)> CheckTargetAsync(AppDbContext db, string callerId, Guid organizationId, string memberId, OrganizationRole newRole, CancellationToken cancellationToken)
    {
        var (refusal, caller) = await CheckManagerAsync(db, callerId, organizationId, newRole, cancellationToken);
        if (refusal is not null)
        {
            return (refusal, null);
        }
        var member = await db.OrganizationMembers.FirstOrDefaultAsync(m => m.OrganizationId == organizationId && m.UserId == memberId, cancellationToken);
        if (member is null)
        {
            return (MemberOutcome.NotFound, null);
        }
        return member.Role == OrganizationRole.Owner && !OrganizationPermissions.IsOwner(caller!.Role) ? (MemberOutcome.Forbidden, null) : (null, member);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
