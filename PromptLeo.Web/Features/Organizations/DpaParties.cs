using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Organizations;

/// <summary>Privacy's view of the organization as the DPA's controller: one DPA per organization, accepted by an owner.</summary>
public sealed class DpaParties(OrganizationDirectory directory, ContractParties parties) : IDpaParties
{
    public async Task<DpaParty> ForUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var membership = await directory.ActiveAsync(userId, cancellationToken);
        var party = await parties.ForOrganizationAsync(membership.OrganizationId, cancellationToken);
        var address = party is null ? "" : string.Join(", ", party.AddressLines().Skip(1));
        return new DpaParty(membership.OrganizationId, membership.IsPersonal, OrganizationPermissions.IsOwner(membership.Role),
            membership.IsPersonal ? party?.DisplayName ?? "" : membership.Name, party?.Name ?? "", address, party?.VatId);
    }

    public AuditEntry AcceptedAudit(string ownerId, Guid organizationId, string version) =>
        directory.Audit(ownerId, organizationId, OrganizationAuditActions.DpaAccepted, $"version {version}");
}
