using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Billing;

/// <summary>The <c>Invoicing</c> section: the seller as printed on every invoice (§ 14 Abs. 4 UStG).</summary>
public sealed class InvoicingOptions
{
    public const string SectionName = "Invoicing";

    [Required, MaxLength(200)]
    public string SellerName { get; set; } = "PromptLeo GmbH";

    [Required, MaxLength(200)]
    public string SellerStreet { get; set; } = "Musterstraße 1";

    [Required, MaxLength(20)]
    public string SellerPostalCode { get; set; } = "60311";

    [Required, MaxLength(100)]
    public string SellerCity { get; set; } = "Frankfurt am Main";

    [Required, RegularExpression("^[A-Z]{2}$")]
    public string SellerCountry { get; set; } = "DE";

    /// <summary>USt-IdNr. (or set <see cref="SellerTaxNumber"/>); one of both is mandatory on an invoice.</summary>
    [MaxLength(30)]
    public string? SellerVatId { get; set; } = "DE000000000";

    [MaxLength(30)]
    public string? SellerTaxNumber { get; set; }

    [Required, RegularExpression("^[A-Z0-9]{1,10}$")]
    public string NumberPrefix { get; set; } = "PL";

    [Range(0, 100)]
    public int VatRatePercent { get; set; } = 19;
}
