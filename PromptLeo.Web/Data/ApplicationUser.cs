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

    /// <summary>"de" or "en".</summary>
    [PersonalData, MaxLength(5)]
    public string PreferredLanguage { get; set; } = "en";

    [PersonalData]
    public bool PrefersDarkMode { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}
