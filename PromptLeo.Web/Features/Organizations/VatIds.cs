using System.Text.RegularExpressions;

namespace PromptLeo.Web.Features.Organizations;

// Here rather than in Billing: both the company form (Organizations) and billing (which references Organizations) check VAT ids.
/// <summary>Format of EU VAT identification numbers per member state (the VIES formats); no online check.</summary>
public static partial class VatIds
{
    // Keyed by VAT prefix; Greece uses EL, Northern Ireland XI (goods only, accepted as a UK/EU hybrid id).
    private static readonly Dictionary<string, Regex> Formats = new(StringComparer.Ordinal)
    {
        ["AT"] = new("^ATU[0-9]{8}$"), ["BE"] = new("^BE[01][0-9]{9}$"), ["BG"] = new("^BG[0-9]{9,10}$"),
        ["CY"] = new("^CY[0-9]{8}[A-Z]$"), ["CZ"] = new("^CZ[0-9]{8,10}$"), ["DE"] = new("^DE[0-9]{9}$"),
        ["DK"] = new("^DK[0-9]{8}$"), ["EE"] = new("^EE[0-9]{9}$"), ["EL"] = new("^EL[0-9]{9}$"),
        ["ES"] = new("^ES[0-9A-Z][0-9]{7}[0-9A-Z]$"), ["FI"] = new("^FI[0-9]{8}$"), ["FR"] = new("^FR[0-9A-Z]{2}[0-9]{9}$"),
        ["HR"] = new("^HR[0-9]{11}$"), ["HU"] = new("^HU[0-9]{8}$"), ["IE"] = new("^IE([0-9]{7}[A-W][A-I]?|[0-9][A-Z+*][0-9]{5}[A-W])$"),
        ["IT"] = new("^IT[0-9]{11}$"), ["LT"] = new("^LT([0-9]{9}|[0-9]{12})$"), ["LU"] = new("^LU[0-9]{8}$"),
        ["LV"] = new("^LV[0-9]{11}$"), ["MT"] = new("^MT[0-9]{8}$"), ["NL"] = new("^NL[0-9]{9}B[0-9]{2}$"),
        ["PL"] = new("^PL[0-9]{10}$"), ["PT"] = new("^PT[0-9]{9}$"), ["RO"] = new("^RO[1-9][0-9]{1,9}$"),
        ["SE"] = new("^SE[0-9]{10}01$"), ["SI"] = new("^SI[0-9]{8}$"), ["SK"] = new("^SK[0-9]{10}$"),
    };

    /// <summary>The VAT prefix of an ISO country code: Greece is GR in addresses and EL in VAT IDs.</summary>
    public static string PrefixOf(string country) => country == "GR" ? "EL" : country;

    /// <summary>Normalized form: upper case, no spaces, dots or hyphens.</summary>
    public static string Normalize(string vatId) => NoiseRegex().Replace(vatId, "").ToUpperInvariant();

    /// <summary>True when <paramref name="vatId"/> starts with an EU member state's prefix.</summary>
    public static bool HasEuPrefix(string vatId) => vatId.Length >= 2 && Formats.ContainsKey(Normalize(vatId)[..2]);

    /// <summary>Well-formed for its own prefix, and (when given) the prefix belongs to <paramref name="country"/>.</summary>
    public static bool IsWellFormed(string? vatId, string? country = null)
    {
        if (string.IsNullOrWhiteSpace(vatId))
        {
            return false;
        }
        var normalized = Normalize(vatId);
        if (normalized.Length < 4 || !Formats.TryGetValue(normalized[..2], out var format) || !format.IsMatch(normalized))
        {
            return false;
        }
        return country is null || normalized[..2] == PrefixOf(country.ToUpperInvariant());
    }

    /// <summary>Well-formed for an EU prefix (which must be <paramref name="country"/>'s), else a country prefix and 2–14 letters or digits.</summary>
    public static bool IsPlausible(string vatId, string? country)
    {
        var normalized = Normalize(vatId);
        if (HasEuPrefix(normalized))
        {
            return IsWellFormed(normalized, string.IsNullOrEmpty(country) ? null : country);
        }
        return ShapeRegex().IsMatch(normalized) && (string.IsNullOrEmpty(country) || normalized[..2] == PrefixOf(country.ToUpperInvariant()));
    }

    [GeneratedRegex("[\\s.\\-]")]
    private static partial Regex NoiseRegex();

    [GeneratedRegex("^[A-Z]{2}[0-9A-Z+*]{2,14}$")]
    private static partial Regex ShapeRegex();
}
