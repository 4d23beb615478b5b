using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// The DPA's controller as seen by one user: the organization they act for, whether they may accept for it (owners only),
/// and, for a company, the name and address the contract names. Implemented by Organizations, which Privacy may not name.
/// </summary>
public sealed record DpaParty(Guid OrganizationId, bool IsPersonal, bool IsOwner, string OrganizationName, string CompanyName, string CompanyAddress, string? VatId);

public interface IDpaParties
{
    /// <summary>The organization the user acts for, as a DPA party.</summary>
    Task<DpaParty> ForUserAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>The organization's audit entry for an owner's acceptance, saved with the acceptance.</summary>
    AuditEntry AcceptedAudit(string ownerId, Guid organizationId, string version);
}
