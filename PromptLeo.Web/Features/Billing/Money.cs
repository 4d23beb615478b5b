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
}
