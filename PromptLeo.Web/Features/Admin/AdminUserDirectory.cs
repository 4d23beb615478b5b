using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Accounts;

namespace PromptLeo.Web.Features.Admin;

public sealed record AdminUserRow(string Id, string Email, string? DisplayName, bool EmailConfirmed, bool TwoFactorEnabled, bool IsAdmin, bool LockedOut, bool Disabled, DateTimeOffset CreatedAt);

/// <summary>The user list on the admin page. Only callable by admins (the page requires the role).</summary>
public sealed class AdminUserDirectory(IDbContextFactory<AppDbContext> dbFactory, IServiceScopeFactory scopes, Privacy.AuditLog audit, Sessions.SessionStore sessions, TimeProvider time)
{
    /// <summary>One page of users; each listed user gets an audit entry, since the admin saw their e-mail and name.</summary>
    public async Task<(IReadOnlyList<AdminUserRow> Rows, int Total)> ListAsync(string adminId, string? search, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        // One context per call: the page's circuit outlives any scoped context, and table reloads may overlap.
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var adminRoleId = await db.Roles.Where(r => r.Name == Roles.Admin).Select(r => r.Id).FirstOrDefaultAsync(cancellationToken);
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToUpperInvariant();
            query = query.Where(u => u.NormalizedEmail!.Contains(term) || (u.DisplayName != null && u.DisplayName.ToUpper().Contains(term)));
        }
        var total = await query.CountAsync(cancellationToken);
        var now = DateTimeOffset.UtcNow;
        var users = await query.OrderBy(u => u.NormalizedEmail).Skip(page * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        var ids = users.Select(u => u.Id).ToList();
        var admins = await db.UserRoles.Where(ur => ur.RoleId == adminRoleId && ids.Contains(ur.UserId)).Select(ur => ur.UserId).ToListAsync(cancellationToken);
        var rows = users.Select(u => new AdminUserRow(
            u.Id, u.Email ?? "", u.DisplayName, u.EmailConfirmed, u.TwoFactorEnabled, admins.Contains(u.Id),
            u.LockoutEnd is { } end && end > now, u.DisabledAt is not null, u.CreatedAt)).ToList();
        foreach (var row in rows)
        {
            db.Add(audit.Create(adminId, row.Id, Privacy.AuditActions.AdminViewedUser, "user list on the admin page"));
        }
        await db.SaveChangesAsync(cancellationToken);
        return (rows, total);
    }

    /// <summary>
    /// Grants or removes the Admin role and records it in the audit log. Admins cannot change their own role, so the
    /// last admin cannot lock everyone out. Returns false for an unknown user or a change of one's own role.
    /// </summary>
    public async Task<bool> SetAdminAsync(string adminId, string userId, bool isAdmin, CancellationToken cancellationToken = default)
    {
        if (adminId == userId)
        {
            return false;
        }
        await RoleLock.WaitAsync(cancellationToken);
        try
        {
            return await SetAdminLockedAsync(adminId, userId, isAdmin, cancellationToken);
        }
        finally
        {
            RoleLock.Release();
        }
    }

    // Role changes are serialized so two admins cannot remove each other and leave none.
    private static readonly SemaphoreSlim RoleLock = new(1, 1);

    private async Task<bool> SetAdminLockedAsync(string adminId, string userId, bool isAdmin, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        if (!await IsStillAdminAsync(users, adminId))
        {
            return false;
        }
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return false;
        }
        if (!isAdmin && (await users.GetUsersInRoleAsync(Roles.Admin)).Count <= 1)
        {
            return false; // never the last admin
        }
        var has = await users.IsInRoleAsync(user, Roles.Admin);
        if (has == isAdmin)
        {
            return true;
        }
        var result = isAdmin ? await users.AddToRoleAsync(user, Roles.Admin) : await users.RemoveFromRoleAsync(user, Roles.Admin);
        if (!result.Succeeded)
        {
            return false;
        }
        // The user's browsers are signed out: at once on this node, elsewhere at their next stamp check.
        await users.UpdateSecurityStampAsync(user);
        await sessions.RevokeAllAsync(user.Id, cancellationToken: cancellationToken);
        await audit.WriteAsync(adminId, userId, Privacy.AuditActions.RoleChanged, isAdmin ? "added to Admin" : "removed from Admin", cancellationToken);
        return true;
    }

    /// <summary>
    /// Disables or re-enables an account: a disabled account cannot sign in, its sessions end and its API keys and
    /// inference stop until an admin enables it again. Admins cannot disable themselves.
    /// </summary>
    public async Task<bool> SetDisabledAsync(string adminId, string userId, bool disabled, CancellationToken cancellationToken = default)
    {
        if (adminId == userId)
        {
            return false;
        }
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        if (!await IsStillAdminAsync(users, adminId) || await users.FindByIdAsync(userId) is not { } user)
        {
            return false;
        }
        if ((user.DisabledAt is not null) == disabled)
        {
            return true;
        }
        user.DisabledAt = disabled ? time.GetUtcNow() : null;
        // A new stamp signs every browser out; disabling also deletes the session rows at once.
        user.SecurityStamp = Guid.NewGuid().ToString("N");
        if (!(await users.UpdateAsync(user)).Succeeded)
        {
            return false;
        }
        if (disabled)
        {
            await sessions.RevokeAllAsync(user.Id, cancellationToken: cancellationToken);
        }
        await audit.WriteAsync(adminId, userId, disabled ? Privacy.AuditActions.AccountDisabled : Privacy.AuditActions.AccountEnabled, "", cancellationToken);
        return true;
    }

    // The page's role check is up to a minute old; the actor must still be an admin now.
    private static async Task<bool> IsStillAdminAsync(UserManager<ApplicationUser> users, string adminId) =>
        await users.FindByIdAsync(adminId) is { } actor && await users.IsInRoleAsync(actor, Roles.Admin);
}
