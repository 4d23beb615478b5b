using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;

namespace PromptLeo.Web.Data;

public class ApplicationUser : IdentityUser
{
    [PersonalData, MaxLength(100)]
    public string? DisplayName { get; set; }

    [PersonalData, MaxLength(200)]
    public string? CompanyName { get; set; }

    [PersonalData, MaxLength(200)]
    public string? BillingStreet { get; set; }

    [PersonalData, MaxLength(20)]
    public string? BillingPostalCode { get; set; }

    [PersonalData, MaxLength(100)]
    public string? BillingCity { get; set; }

    /// <summary>ISO 3166-1 alpha-2 country code, e.g. DE or FR.</summary>
    [PersonalData, MaxLength(2)]
    public string? BillingCountry { get; set; }

    [PersonalData, MaxLength(30)]
    public string? VatId { get; set; }

    /// <summary>Which e-invoice the customer receives besides the PDF.</summary>
    public Features.Billing.EInvoiceFormat EInvoiceFormat { get; set; }

    /// <summary>Leitweg-ID of a German public buyer (XRechnung BT-10).</summary>
    [PersonalData, MaxLength(46)]
    public string? LeitwegId { get; set; }

    /// <summary>"de" or "en".</summary>
    [PersonalData, MaxLength(5)]
    public string PreferredLanguage { get; set; } = "en";

    [PersonalData]
    public bool PrefersDarkMode { get; set; }

    /// <summary>Art. 18 restriction: the account keeps its data but no inference runs until lifted.</summary>
    public bool ProcessingRestricted { get; set; }

    /// <summary>Keep chats for this many days; null keeps them until deleted; 0 never stores them (zero retention).</summary>
    public int? ChatRetentionDays { get; set; }

    /// <summary>Keep generated images for this many days; null keeps them until deleted.</summary>
    public int? ImageRetentionDays { get; set; }

    /// <summary>Delete knowledge documents this many days after their upload; null keeps them until deleted.</summary>
    public int? DocumentRetentionDays { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>The version of the privacy notice (Art. 13) shown on the registration form this account was created with.</summary>
    [PersonalData, MaxLength(64)]
    public string? PrivacyNoticeVersion { get; set; }

    /// <summary>Set by an admin: no sign-in, no API key and no inference until cleared. Independent of sign-in lockout.</summary>
    public DateTimeOffset? DisabledAt { get; set; }

    /// <summary>The organization the portal acts for (inference is billed to it); null is the personal organization.</summary>
    public Guid? ActiveOrganizationId { get; set; }
}
