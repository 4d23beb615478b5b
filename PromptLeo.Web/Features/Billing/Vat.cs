using System.Globalization;
using System.Text.RegularExpressions;
using PromptLeo.Web.Features.Organizations;

namespace PromptLeo.Web.Features.Billing;

/// <summary>EN 16931 VAT category codes (UNTDID 5305) the portal uses.</summary>
public static class VatCategory
{
    public const string Standard = "S";
    public const string ReverseCharge = "AE";
    public const string OutOfScope = "O";
}

/// <summary>How one invoice is taxed: category, rate, which law and the note the invoice must carry.</summary>
public sealed record VatTreatment(string Category, decimal RatePercent, string TaxCountry, string? NoteGerman, string? NoteEnglish, string? ExemptionCode)
{
    public long VatOn(long netMicros) => InvoiceIssuer.RoundToCents((long)Math.Round(netMicros * RatePercent / 100m, MidpointRounding.AwayFromZero));
}

/// <summary>
/// Standard VAT rates of the 27 EU member states with the day each became valid; a change adds a row, old invoices keep theirs.
/// Source: European Commission, "VAT rates applied in the Member States" (taxation-customs.ec.europa.eu), state of 2026-12.
/// </summary>
public static class VatRates
{
    private static readonly (string Country, DateOnly ValidFrom, decimal RatePercent)[] Table =
    [
        ("AT", new(2021, 1, 1), 20m), ("BE", new(2021, 1, 1), 21m), ("BG", new(2021, 1, 1), 20m), ("CY", new(2021, 1, 1), 19m),
        ("CZ", new(2021, 1, 1), 21m),
        // Germany: the temporary 16 % of the second half of 2020 (Zweites Corona-Steuerhilfegesetz).
        ("DE", new(2007, 1, 1), 19m), ("DE", new(2020, 7, 1), 16m), ("DE", new(2021, 1, 1), 19m),
        ("DK", new(2021, 1, 1), 25m),
        ("EE", new(2021, 1, 1), 20m), ("EE", new(2024, 1, 1), 22m), ("EE", new(2025, 7, 1), 24m),
        ("ES", new(2021, 1, 1), 21m),
        ("FI", new(2021, 1, 1), 24m), ("FI", new(2024, 9, 1), 25.5m),
        ("FR", new(2021, 1, 1), 20m), ("GR", new(2021, 1, 1), 24m), ("HR", new(2021, 1, 1), 25m), ("HU", new(2021, 1, 1), 27m),
        ("IE", new(2021, 1, 1), 21m), ("IE", new(2021, 3, 1), 23m),
        ("IT", new(2021, 1, 1), 22m), ("LT", new(2021, 1, 1), 21m),
        ("LU", new(2021, 1, 1), 17m), ("LU", new(2023, 1, 1), 16m), ("LU", new(2024, 1, 1), 17m),
        ("LV", new(2021, 1, 1), 21m), ("MT", new(2021, 1, 1), 18m), ("NL", new(2021, 1, 1), 21m), ("PL", new(2021, 1, 1), 23m),
        ("PT", new(2021, 1, 1), 23m),
        ("RO", new(2021, 1, 1), 19m), ("RO", new(2025, 8, 1), 21m),
        ("SE", new(2021, 1, 1), 25m), ("SI", new(2021, 1, 1), 22m),
        ("SK", new(2021, 1, 1), 20m), ("SK", new(2025, 1, 1), 23m),
    ];

    public static IReadOnlySet<string> EuCountries { get; } = Table.Select(r => r.Country).ToHashSet(StringComparer.Ordinal);

    /// <summary>The standard rate of <paramref name="country"/> on <paramref name="day"/>.</summary>
    public static decimal StandardRate(string country, DateOnly day) =>
        Table.Where(r => r.Country == country && r.ValidFrom <= day).OrderByDescending(r => r.ValidFrom).Select(r => (decimal?)r.RatePercent).FirstOrDefault()
        ?? throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"No VAT rate for {country} on {day:yyyy-MM-dd}."));
}

/// <summary>Place-of-supply rules for electronic services sold by a seller in the EU (§ 3a UStG, Art. 44/58 VAT Directive).</summary>
public static class VatRules
{
    public const string ReverseChargeGerman = "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge, § 13b UStG / Art. 196 MwStSystRL)";
    public const string ReverseChargeEnglish = "Reverse charge: VAT to be accounted for by the recipient (Art. 196 VAT Directive 2006/112/EC; § 13b UStG)";
    public const string OutOfScopeGerman = "Nicht im Inland steuerbare Leistung (Leistungsort außerhalb der EU, § 3a UStG)";
    public const string OutOfScopeEnglish = "Not subject to EU VAT: place of supply outside the EU (Art. 44/59 VAT Directive; § 3a UStG)";
    public const string OssGerman = "Umsatzsteuer des Verbrauchsstaats (One-Stop-Shop, § 18j UStG)";
    public const string OssEnglish = "VAT of the customer's member state (One-Stop Shop, Art. 369a VAT Directive; § 18j UStG)";

    /// <summary>
    /// Domestic (or no country given): the seller's rate. Another EU state with a well-formed VAT ID: reverse charge.
    /// Another EU state without one: that state's rate (OSS). Outside the EU: not taxable here.
    /// </summary>
    public static VatTreatment Decide(string sellerCountry, string? buyerCountry, string? buyerVatId, DateOnly supplyDay)
    {
        var country = string.IsNullOrWhiteSpace(buyerCountry) ? sellerCountry : buyerCountry.Trim().ToUpperInvariant();
        if (country == sellerCountry)
        {
            return new VatTreatment(VatCategory.Standard, VatRates.StandardRate(sellerCountry, supplyDay), sellerCountry, null, null, null);
        }
        if (!VatRates.EuCountries.Contains(country))
        {
            return new VatTreatment(VatCategory.OutOfScope, 0m, country, OutOfScopeGerman, OutOfScopeEnglish, "VATEX-EU-O");
        }
        if (VatIds.IsWellFormed(buyerVatId, country))
        {
            return new VatTreatment(VatCategory.ReverseCharge, 0m, country, ReverseChargeGerman, ReverseChargeEnglish, "VATEX-EU-AE");
        }
        return new VatTreatment(VatCategory.Standard, VatRates.StandardRate(country, supplyDay), country, OssGerman, OssEnglish, null);
    }
}

/// <summary>Leitweg-ID (KoSIT format 2.0.2): coarse address (2–12 digits), optional fine address (up to 30 characters), check digits (ISO 7064 MOD 97-10).</summary>
public static partial class LeitwegIds
{
    public static bool IsValid(string? value)
    {
        if (value is null || !FormatRegex().IsMatch(value))
        {
            return false;
        }
        // Letters count as 10..35 as in IBAN; the whole id without hyphens modulo 97 must leave 1.
        var remainder = 0;
        foreach (var ch in value.Replace("-", "", StringComparison.Ordinal))
        {
            var digits = char.IsDigit(ch) ? (ch - '0').ToString(CultureInfo.InvariantCulture) : (ch - 'A' + 10).ToString(CultureInfo.InvariantCulture);
            foreach (var d in digits)
            {
                remainder = (remainder * 10 + (d - '0')) % 97;
            }
        }
        return remainder == 1;
    }

    [GeneratedRegex("^[0-9]{2,12}(-[0-9A-Z]{1,30})?-[0-9]{2}$")]
    private static partial Regex FormatRegex();
}

/// <summary>Rejects a VAT ID with an EU member state's prefix that does not have that state's format; other ids pass.</summary>
public sealed class VatIdFormatAttribute : System.ComponentModel.DataAnnotations.ValidationAttribute
{
    public override bool IsValid(object? value) =>
        value is not string { Length: > 0 } id || string.IsNullOrWhiteSpace(id) || !VatIds.HasEuPrefix(id) || VatIds.IsWellFormed(id);
}

/// <summary>Accepts an empty value or a Leitweg-ID with valid check digits.</summary>
public sealed class LeitwegIdFormatAttribute : System.ComponentModel.DataAnnotations.ValidationAttribute
{
    public override bool IsValid(object? value) =>
        value is not string { Length: > 0 } id || string.IsNullOrWhiteSpace(id) || LeitwegIds.IsValid(id.Trim().ToUpperInvariant());
}
