using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Organizations;

/// <summary>
/// Resolves an organization to its contract-party data (DPA, invoices): a company organization's own fields, a personal
/// organization's owner profile (edited in one place, erased with the account); and who receives its contract mail.
/// </summary>
public sealed class ContractParties(IDbContextFactory<AppDbContext> dbFactory)
{
    public async Task<ContractParty?> ForOrganizationAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await ForOrganizationAsync(db, organizationId, cancellationToken);
    }

    /// <summary>The party, or null when the organization (or a personal one's owner) no longer exists.</summary>
    public static async Task<ContractParty?> ForOrganizationAsync(AppDbContext db, Guid organizationId, CancellationToken cancellationToken = default)
    {
        var organization = await db.Organizations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == organizationId, cancellationToken);
        if (organization is null)
        {
            return null;
        }
        if (organization.PersonalOwnerId is { } ownerId)
        {
            var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == ownerId, cancellationToken);
            return user is null ? null : new ContractParty(organization.Id, true, user.CompanyName?.Trim() ?? "", user.BillingStreet, user.BillingPostalCode, user.BillingCity,
                user.BillingCountry, user.VatId, user.EInvoiceFormat, user.LeitwegId, user.PreferredLanguage == "de" ? "de" : "en")
            {
                PersonName = string.IsNullOrWhiteSpace(user.DisplayName) ? user.Email ?? user.Id : user.DisplayName,
                Email = user.Email,
            };
        }
        var contact = (await RecipientsAsync(db, organizationId, cancellationToken)).FirstOrDefault();
        return new ContractParty(organization.Id, false, organization.Name, organization.Street, organization.PostalCode, organization.City,
            organization.Country, organization.VatId, organization.EInvoiceFormat, organization.LeitwegId, organization.Language == "de" ? "de" : "en")
        {
            Email = contact?.Email,
        };
    }

    public async Task<IReadOnlyList<ContractRecipient>> RecipientsAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await RecipientsAsync(db, organizationId, cancellationToken);
    }

    /// <summary>The owners and billing members with an e-mail address, billing members first (they handle invoices).</summary>
    public static async Task<IReadOnlyList<ContractRecipient>> RecipientsAsync(AppDbContext db, Guid organizationId, CancellationToken cancellationToken = default)
    {
        var rows = await (from m in db.OrganizationMembers
                          join u in db.Users on m.UserId equals u.Id
                          where m.OrganizationId == organizationId && (m.Role == OrganizationRole.Owner || m.Role == OrganizationRole.Billing) && u.Email != null
                          select new { u.Id, u.Email, u.PreferredLanguage, m.Role, m.JoinedAt }).ToListAsync(cancellationToken);
        return rows.OrderBy(r => r.Role == OrganizationRole.Billing ? 0 : 1).ThenBy(r => r.JoinedAt).ThenBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => new ContractRecipient(r.Id, r.Email!, r.PreferredLanguage == "de" ? "de" : "en")).ToList();
    }
}
