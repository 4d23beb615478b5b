using System.Text.RegularExpressions;

namespace PromptLeo.Web.Features.Organizations;

/// <summary>
/// The shape check of a company's VAT id at creation: country prefix and 2–14 letters or digits. The per-country
/// formats live in Billing's <c>VatIds</c>, which this feature cannot name (Billing reaches Organizations through ApiKeys).
/// </summary>
public static partial class CompanyVatIds
{
    /// <summary>Upper case without spaces, dots or hyphens.</summary>
    public static string Normalize(string vatId) => Noise().Replace(vatId, "").ToUpperInvariant();

    /// <summary>True when <paramref name="vatId"/> looks like a VAT id whose prefix matches <paramref name="country"/> (Greece: EL).</summary>
    public static bool IsPlausible(string vatId, string? country)
    {
        var normalized = Normalize(vatId);
        if (!Shape().IsMatch(normalized))
        {
            return false;
        }
        var expected = country?.ToUpperInvariant() == "GR" ? "EL" : country?.ToUpperInvariant();
        return string.IsNullOrEmpty(expected) || normalized[..2] == expected;
    }

    [GeneratedRegex("[\\s.\\-]")]
    private static partial Regex Noise();

    [GeneratedRegex("^[A-Z]{2}[0-9A-Z+*]{2,14}$")]
    private static partial Regex Shape();
}
