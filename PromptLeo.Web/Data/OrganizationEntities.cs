using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Data;

/// <summary>What a member may do in an organization; see docs/billing.md "Organizations" for the matrix.</summary>
public enum OrganizationRole
{
    /// <summary>Everything, including the DPA, roles, SSO and deleting the organization.</summary>
    Owner,

    /// <summary>Members, budgets, keys, usage and the audit log; not owners, not the DPA.</summary>
    Admin,

    /// <summary>Uses the models and creates their own keys.</summary>
    Member,

    /// <summary>Invoices, payments, billing address and usage amounts; no inference.</summary>
    Billing,
}

/// <summary>
/// The customer: the contract party of the DPA, the invoices, the credit and the price list. Every account has a
/// personal organization of one; a company organization has its own name, address and VAT id.
/// </summary>
/// <remarks>
/// A personal organization keeps no company data of its own: its contract data is the owner's profile, so a sole
/// trader edits it in one place (Art. 16) and it is erased with the account (Art. 17). See <c>ContractParties</c>.
/// </remarks>
public class Organization : IBudgetAlertMarks
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>Set only on a personal organization: its one owner. Unique, so it is created once per account.</summary>
    [MaxLength(450)]
    public string? PersonalOwnerId { get; set; }

    public bool IsPersonal => PersonalOwnerId is not null;

    /// <summary>The company name (empty on a personal organization, which shows the owner's name).</summary>
    [MaxLength(200)]
    public string Name { get; set; } = "";

    [MaxLength(200)]
    public string? Street { get; set; }

    [MaxLength(20)]
    public string? PostalCode { get; set; }

    [MaxLength(100)]
    public string? City { get; set; }

    /// <summary>ISO 3166-1 alpha-2.</summary>
    [MaxLength(2)]
    public string? Country { get; set; }

    [MaxLength(30)]
    public string? VatId { get; set; }

    public Features.Billing.EInvoiceFormat EInvoiceFormat { get; set; }

    [MaxLength(46)]
    public string? LeitwegId { get; set; }

    /// <summary>"de" or "en": the language of the organization's invoices and contract documents.</summary>
    [MaxLength(2)]
    public string Language { get; set; } = "de";

    public BillingMode Mode { get; set; } = BillingMode.Postpaid;

    /// <summary>The organization's own monthly cap over all members and keys.</summary>
    public long? MonthlyBudgetMicros { get; set; }

    [MaxLength(7)]
    public string? Alert80Month { get; set; }

    [MaxLength(7)]
    public string? Alert100Month { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}

/// <summary>A person in an organization. Content stays the person's own; the organization sees amounts only.</summary>
public class OrganizationMember : IBudgetAlertMarks
{
    public Guid OrganizationId { get; set; }

    [MaxLength(450)]
    public string UserId { get; set; } = "";

    public OrganizationRole Role { get; set; }

    /// <summary>Optional cap on what this member spends for the organization per month (portal and their keys).</summary>
    public long? MonthlyBudgetMicros { get; set; }

    [MaxLength(7)]
    public string? Alert80Month { get; set; }

    [MaxLength(7)]
    public string? Alert100Month { get; set; }

    public DateTimeOffset JoinedAt { get; set; } = DateTimeOffset.UtcNow;
}

/// <summary>An invitation by e-mail. Only the SHA-256 of the link's token is stored; the link expires.</summary>
public class OrganizationInvitation
{
    /// <summary>How long an invitation (accepted, revoked or not) is kept after its link expired; then the retention purge deletes it.</summary>
    public const int KeptDaysAfterExpiry = 30;

    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid OrganizationId { get; set; }

    /// <summary>Normalized (upper-case) address the invitation was sent to; deleted with the invitation.</summary>
    [MaxLength(256)]
    public string Email { get; set; } = "";

    public OrganizationRole Role { get; set; } = OrganizationRole.Member;

    public byte[] TokenHash { get; set; } = [];

    [MaxLength(450)]
    public string InvitedBy { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? AcceptedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
