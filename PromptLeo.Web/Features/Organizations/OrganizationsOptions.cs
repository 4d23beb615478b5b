using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Organizations;

/// <summary>The <c>Organizations</c> section: how long invitation links live and how many may be open at once.</summary>
public sealed class OrganizationsOptions
{
    public const string SectionName = "Organizations";

    [Range(1, 90)]
    public int InvitationDays { get; set; } = 7;

    /// <summary>Open (not accepted, revoked or expired) invitations per organization; stops a compromised admin from mass-mailing.</summary>
    [Range(1, 10_000)]
    public int MaxPendingInvitations { get; set; } = 100;
}
