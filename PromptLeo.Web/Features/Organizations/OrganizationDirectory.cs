using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Organizations;

/// <summary>One of the caller's organizations and their role in it.</summary>
public sealed record Membership(Guid OrganizationId, string Name, bool IsPersonal, OrganizationRole Role);

/// <summary>The company data a user enters when creating an organization.</summary>
public sealed record OrganizationDetails(string Name, string? Street, string? PostalCode, string? City, string? Country, string? VatId, string Language);

/// <summary>
/// Who belongs to which organization, the personal organization every account has (created on first use, and by the
/// <c>Organizations</c> migration for accounts that existed before), and the organization the portal acts for.
/// </summary>
public sealed class OrganizationDirectory(IDbContextFactory<AppDbContext> dbFactory, Privacy.AuditLog audit, TimeProvider time)
{
    /// <summary>The account's personal organization; created with the account as its owner the first time it is needed.</summary>
    public async Task<Guid> PersonalIdAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await PersonalIdAsync(db, userId, cancellationToken);
    }

    /// <inheritdoc cref="PersonalIdAsync(string, CancellationToken)"/>
    public async Task<Guid> PersonalIdAsync(AppDbContext db, string userId, CancellationToken cancellationToken = default)
    {
        var existing = await db.Organizations.Where(o => o.PersonalOwnerId == userId).Select(o => (Guid?)o.Id).FirstOrDefaultAsync(cancellationToken);
        if (existing is { } id)
        {
            return id;
        }
        var language = await db.Users.Where(u => u.Id == userId).Select(u => u.PreferredLanguage).FirstOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException("The account does not exist.");
        // Its own context, so a caller's pending changes are neither saved early nor lost when a parallel request wins the race.
        await using var own = await dbFactory.CreateDbContextAsync(cancellationToken);
        var organization = new Organization { PersonalOwnerId = userId, Language = language.StartsWith("de", StringComparison.Ordinal) ? "de" : "en", CreatedAt = time.GetUtcNow() };
        own.Organizations.Add(organization);
        own.OrganizationMembers.Add(new OrganizationMember { OrganizationId = organization.Id, UserId = userId, Role = OrganizationRole.Owner, JoinedAt = organization.CreatedAt });
        try
        {
            await own.SaveChangesAsync(cancellationToken);
            return organization.Id;
        }
        catch (DbUpdateException)
        {
            // Another request created it first (unique PersonalOwnerId).
            return await db.Organizations.Where(o => o.PersonalOwnerId == userId).Select(o => o.Id).FirstAsync(cancellationToken);
        }
    }

    /// <summary>Creates a company organization with <paramref name="ownerId"/> as its first owner.</summary>
    public async Task<Guid> CreateAsync(string ownerId, OrganizationDetails details, CancellationToken cancellationToken = default)
    {
        var name = details.Name.Trim();
        if (name.Length is 0 or > 200)
        {
            throw new ArgumentException("The company name must have 1 to 200 characters.", nameof(details));
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var organization = new Organization
        {
            Name = name,
            Street = Blank(details.Street),
            PostalCode = Blank(details.PostalCode),
            City = Blank(details.City),
            Country = Blank(details.Country)?.ToUpperInvariant(),
            VatId = Blank(details.VatId)?.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant(),
            Language = details.Language == "de" ? "de" : "en",
            CreatedAt = now,
        };
        db.Organizations.Add(organization);
        db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = organization.Id, UserId = ownerId, Role = OrganizationRole.Owner, JoinedAt = now });
        db.AuditEntries.Add(Audit(ownerId, organization.Id, OrganizationAuditActions.Created, $"organization {organization.Id}"));
        await db.SaveChangesAsync(cancellationToken);
        return organization.Id;
    }

    /// <summary>An audit entry of an organization action: shown to the organization's owners and admins.</summary>
    public AuditEntry Audit(string actorId, Guid organizationId, string action, string details = "")
    {
        var entry = audit.Create(actorId, actorId, action, details);
        entry.OrganizationId = organizationId;
        return entry;
    }

    /// <summary>The user's organizations, the personal one first.</summary>
    public async Task<IReadOnlyList<Membership>> MembershipsAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await PersonalIdAsync(db, userId, cancellationToken);
        var rows = await (from m in db.OrganizationMembers
                          join o in db.Organizations on m.OrganizationId equals o.Id
                          where m.UserId == userId
                          select new { o.Id, o.Name, o.PersonalOwnerId, m.Role }).ToListAsync(cancellationToken);
        return rows.Select(r => new Membership(r.Id, r.Name, r.PersonalOwnerId != null, r.Role))
            .OrderBy(m => m.IsPersonal ? 0 : 1).ThenBy(m => m.Name, StringComparer.CurrentCultureIgnoreCase).ToList();
    }

    /// <summary>The user's membership in one organization, or null when they are not a member.</summary>
    public async Task<Membership?> MembershipAsync(Guid organizationId, string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await MembershipAsync(db, organizationId, userId, cancellationToken);
    }

    /// <inheritdoc cref="MembershipAsync(Guid, string, CancellationToken)"/>
    public static async Task<Membership?> MembershipAsync(AppDbContext db, Guid organizationId, string userId, CancellationToken cancellationToken = default)
    {
        var row = await (from m in db.OrganizationMembers
                         join o in db.Organizations on m.OrganizationId equals o.Id
                         where m.UserId == userId && m.OrganizationId == organizationId
                         select new { o.Id, o.Name, o.PersonalOwnerId, m.Role }).FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : new Membership(row.Id, row.Name, row.PersonalOwnerId != null, row.Role);
    }

    /// <summary>The organization the portal acts for: the chosen one while the user is still a member, else the personal one.</summary>
    public async Task<Membership> ActiveAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await ActiveAsync(db, userId, cancellationToken);
    }

    /// <inheritdoc cref="ActiveAsync(string, CancellationToken)"/>
    public async Task<Membership> ActiveAsync(AppDbContext db, string userId, CancellationToken cancellationToken = default)
    {
        var chosen = await db.Users.Where(u => u.Id == userId).Select(u => u.ActiveOrganizationId).FirstOrDefaultAsync(cancellationToken);
        if (chosen is { } id && await MembershipAsync(db, id, userId, cancellationToken) is { } membership)
        {
            return membership;
        }
        var personal = await PersonalIdAsync(db, userId, cancellationToken);
        return await MembershipAsync(db, personal, userId, cancellationToken)
            ?? throw new InvalidOperationException("The personal organization has no owner membership.");
    }

    /// <summary>Makes <paramref name="organizationId"/> the one the portal acts for; false when the user is not a member.</summary>
    public async Task<bool> SetActiveAsync(string userId, Guid organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await MembershipAsync(db, organizationId, userId, cancellationToken) is not { } membership)
        {
            return false;
        }
        Guid? stored = membership.IsPersonal ? null : organizationId;
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.ActiveOrganizationId, stored), cancellationToken);
        return true;
    }

    /// <summary>
    /// The organization an inference request is billed to: an API key bills its own organization, the portal the one the
    /// user acts for. Checked on every request, so a departed member's keys stop at once.
    /// </summary>
    /// <exception cref="Content.ProcessingRestrictedException">The key's creator left its organization, or the role may not use the models.</exception>
    public async Task<Membership> ForInferenceAsync(string userId, Guid? apiKeyId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        Membership membership;
        if (apiKeyId is { } keyId)
        {
            var organizationId = await db.ApiKeys.Where(k => k.Id == keyId && k.UserId == userId).Select(k => (Guid?)k.OrganizationId).FirstOrDefaultAsync(cancellationToken);
            membership = organizationId is { } id && await MembershipAsync(db, id, userId, cancellationToken) is { } found
                ? found
                : throw new Content.ProcessingRestrictedException("The creator of this API key is no longer a member of the key's organization.");
        }
        else
        {
            membership = await ActiveAsync(db, userId, cancellationToken);
        }
        return OrganizationPermissions.CanUseModels(membership.Role)
            ? membership
            : throw new Content.ProcessingRestrictedException("Your role in this organization (Billing) does not include using the models. Switch to another organization or ask an owner for another role.");
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
