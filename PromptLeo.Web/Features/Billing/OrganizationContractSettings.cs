using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Organizations;

namespace PromptLeo.Web.Features.Billing;

/// <summary>A company organization's contract data as its owners and billing members edit it.</summary>
public sealed record OrganizationContractInput(string Name, string? Street, string? PostalCode, string? City, string? Country, string? VatId, EInvoiceFormat EInvoiceFormat, string? LeitwegId, string Language);

public enum ContractSettingsOutcome
{
    Saved,

    /// <summary>A personal organization: its contract data is the owner's profile.</summary>
    Personal,

    /// <summary>Not a member (reads as absent), or a role without billing.</summary>
    Forbidden,

    Invalid,
}

/// <summary>
/// The contract data of the organization the user acts for (name, address, VAT id, e-invoice format, Leitweg-ID, invoice
/// language). It lives in Billing because the VAT and e-invoice rules do; only owners and billing members change it, audited.
/// </summary>
public sealed class OrganizationContractSettings(IDbContextFactory<AppDbContext> dbFactory, OrganizationDirectory directory, ILogger<OrganizationContractSettings> logger)
{
    /// <summary>The organization the user acts for and their role in it.</summary>
    public async Task<(Organization Organization, Membership Membership)> LoadAsync(string userId, CancellationToken cancellationToken = default)
    {
        var membership = await directory.ActiveAsync(userId, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return (await db.Organizations.AsNoTracking().FirstAsync(o => o.Id == membership.OrganizationId, cancellationToken), membership);
    }

    /// <summary>The first rule <paramref name="input"/> breaks, in English (the page shows its own translation), or null.</summary>
    public static string? Problem(OrganizationContractInput input) => input switch
    {
        _ when input.Name.Trim().Length is 0 or > 200 => "The company name must have 1 to 200 characters.",
        _ when Clean(input.Country) is { } country && (country.Length != 2 || !country.All(char.IsAsciiLetter)) => "The country must be a two-letter ISO code, e.g. DE.",
        // As the profile form: an EU-prefixed id must have its state's format; others (e.g. CHE) pass.
        _ when Clean(input.VatId) is { } vatId && VatIds.HasEuPrefix(vatId) && !VatIds.IsWellFormed(vatId) => "This VAT ID does not have the format of its country.",
        _ when Clean(input.LeitwegId) is { } leitwegId && !LeitwegIds.IsValid(leitwegId.ToUpperInvariant()) => "This Leitweg-ID is not valid.",
        _ when !Enum.IsDefined(input.EInvoiceFormat) || input.Language is not ("de" or "en") => "Choose an e-invoice format and a language.",
        _ => null,
    };

    public async Task<ContractSettingsOutcome> SaveAsync(string userId, Guid organizationId, OrganizationContractInput input, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await OrganizationDirectory.MembershipAsync(db, organizationId, userId, cancellationToken) is not { } membership || !OrganizationPermissions.CanManageBilling(membership.Role))
        {
            return ContractSettingsOutcome.Forbidden;
        }
        if (membership.IsPersonal)
        {
            return ContractSettingsOutcome.Personal;
        }
        if (Problem(input) is not null)
        {
            return ContractSettingsOutcome.Invalid;
        }
        var organization = await db.Organizations.FirstAsync(o => o.Id == organizationId, cancellationToken);
        var before = Fields(organization);
        organization.Name = input.Name.Trim();
        organization.Street = Clean(input.Street);
        organization.PostalCode = Clean(input.PostalCode);
        organization.City = Clean(input.City);
        organization.Country = Clean(input.Country)?.ToUpperInvariant();
        organization.VatId = Clean(input.VatId) is { } vatId ? VatIds.Normalize(vatId) : null;
        organization.EInvoiceFormat = input.EInvoiceFormat;
        organization.LeitwegId = Clean(input.LeitwegId)?.ToUpperInvariant();
        organization.Language = input.Language;
        var after = Fields(organization);
        // Names of the changed fields only: the audit log shows what changed, not the data.
        var changed = before.Keys.Where(k => before[k] != after[k]).ToList();
        db.AuditEntries.Add(directory.Audit(userId, organizationId, OrganizationAuditActions.Updated, $"contract data: {string.Join(", ", changed)}"));
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Contract data of organization {OrganizationId} changed by {UserId}", organizationId, userId);
        return ContractSettingsOutcome.Saved;
    }

    private static Dictionary<string, string?> Fields(Organization o) => new()
    {
        ["name"] = o.Name, ["street"] = o.Street, ["postalCode"] = o.PostalCode, ["city"] = o.City, ["country"] = o.Country,
        ["vatId"] = o.VatId, ["eInvoiceFormat"] = o.EInvoiceFormat.ToString(), ["leitwegId"] = o.LeitwegId, ["language"] = o.Language,
    };

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
