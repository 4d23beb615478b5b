using System.Globalization;

namespace PromptLeo.Web.Features.Billing;

/// <summary>Micro-euro arithmetic: amounts are stored as long micro-euros (see <see cref="Data.UsageEvent"/>).</summary>
public static class Money
{
    public const long MicrosPerEuro = 1_000_000;

    public static decimal ToEuro(long micros) => micros / (decimal)MicrosPerEuro;

    /// <summary>Rounds up to the next micro-euro, so a request is never charged less than it cost.</summary>
    public static long FromEuro(decimal euro) => (long)Math.Ceiling(euro * MicrosPerEuro);

    public static string Format(long micros, IFormatProvider? culture = null, int decimals = 2) =>
        ToEuro(micros).ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), culture ?? CultureInfo.CurrentCulture) + " €";

    /// <summary>
    /// An amount as people read it in <paramref name="culture"/>: from one euro up (and zero) in the culture's currency
    /// format, "1,50 €" in German and "€1.50" in English; below a euro in cents, "12,5 ct".
    /// </summary>
    public static string Readable(long micros, CultureInfo? culture = null)
    {
        culture ??= CultureInfo.CurrentCulture;
        return micros == 0 || Math.Abs(micros) >= MicrosPerEuro
            ? Euro(micros, culture)
            : (micros / (decimal)(MicrosPerEuro / 100)).ToString("0.####", culture) + "\u00a0ct";
    }

    /// <summary>Euros in the culture's currency pattern with the euro sign, whatever currency the culture's region uses.</summary>
    public static string Euro(long micros, CultureInfo culture, int decimals = 2)
    {
        var format = (NumberFormatInfo)culture.NumberFormat.Clone();
        format.CurrencySymbol = "€";
        return ToEuro(micros).ToString("C" + decimals.ToString(CultureInfo.InvariantCulture), format);
    }
}
