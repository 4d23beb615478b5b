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

    /// <summary>Seller contact (BT-41..BT-43), mandatory in XRechnung (BR-DE-2, BR-DE-5..7).</summary>
    [Required, MaxLength(100)]
    public string SellerContactName { get; set; } = "Buchhaltung";

    [Required, MaxLength(40)]
    public string SellerPhone { get; set; } = "+49 69 000000";

    /// <summary>Also the seller's electronic address (BT-34, scheme EM).</summary>
    [Required, EmailAddress, MaxLength(200)]
    public string SellerEmail { get; set; } = "rechnung@promptleo.example";

    /// <summary>IBAN for SEPA credit transfer (payment means 58); without it the e-invoice states payment means 1 (not defined).</summary>
    [MaxLength(34)]
    public string? SellerIban { get; set; }

    [Range(0, 120)]
    public int PaymentTermDays { get; set; } = 14;

    /// <summary>Online VIES check of buyer VAT IDs. Not built: only the format is checked (<see cref="VatIds"/>); setting this to true fails at start.</summary>
    [AllowedValues(false)]
    public bool ValidateVatIdsOnline { get; set; }

    /// <summary>Short, so it fits the invoice's narrow columns; both languages in the language-neutral e-invoice XML.</summary>
    public const string PlaceholderNotice = "[zu ergänzen / to be completed]";

    public const string PlaceholderNoticeGerman = "[zu ergänzen]";

    public const string PlaceholderNoticeEnglish = "[to be completed]";

    private static readonly InvoicingOptions Shipped = new();

    private (string Key, string? Value, string? ShippedValue)[] ExampleFields() =>
        [(nameof(SellerName), SellerName, Shipped.SellerName), (nameof(SellerStreet), SellerStreet, Shipped.SellerStreet), (nameof(SellerVatId), SellerVatId, Shipped.SellerVatId),
         (nameof(SellerPhone), SellerPhone, Shipped.SellerPhone), (nameof(SellerEmail), SellerEmail, Shipped.SellerEmail)];

    // The shipped seller is an example (PromptLeo GmbH, Musterstraße 1, DE000000000), as is anything marked "example" or "Muster".
    private static bool IsExample(string? value, string? shipped) =>
        value is { Length: > 0 } && (value == shipped || value.Contains("example", StringComparison.OrdinalIgnoreCase) || value.Contains("muster", StringComparison.OrdinalIgnoreCase));

    /// <summary>The settings that still hold example seller data, e.g. <c>Invoicing:SellerVatId</c>.</summary>
    public IReadOnlyList<string> PlaceholderKeys() =>
        [.. ExampleFields().Where(f => IsExample(f.Value, f.ShippedValue)).Select(f => $"{SectionName}:{f.Key}")];

    /// <summary>The seller as an invoice prints it: example data becomes <paramref name="notice"/> (by default <see cref="PlaceholderNotice"/>), never a fact.</summary>
    public InvoicingOptions Printable(string notice = PlaceholderNotice)
    {
        var printable = (InvoicingOptions)MemberwiseClone();
        printable.SellerName = IsExample(SellerName, Shipped.SellerName) ? notice : SellerName;
        printable.SellerStreet = IsExample(SellerStreet, Shipped.SellerStreet) ? notice : SellerStreet;
        printable.SellerVatId = IsExample(SellerVatId, Shipped.SellerVatId) ? notice : SellerVatId;
        printable.SellerPhone = IsExample(SellerPhone, Shipped.SellerPhone) ? notice : SellerPhone;
        printable.SellerEmail = IsExample(SellerEmail, Shipped.SellerEmail) ? notice : SellerEmail;
        return printable;
    }
}
