namespace PromptLeo.Web.Features.Billing;

/// <summary>
/// Picks the unit for the spend charts: MudBlazor's y-axis ticks are whole units, so sub-cent amounts (demo models,
/// light use) would draw as empty charts in EUR. Amounts are shown in euro, cent or micro-euro, whichever fits.
/// </summary>
public readonly record struct ChartScale(string Unit, double Factor, int Ticks)
{
    public static ChartScale For(long maxMicros)
    {
        var (unit, factor) = maxMicros switch
        {
            >= 1_000_000 => ("€", 1.0),
            >= 10_000 => ("ct", 100.0),
            _ => ("µ€", 1_000_000.0),
        };
        var top = maxMicros / 1_000_000.0 * factor;
        return new ChartScale(unit, factor, Math.Max(1, (int)Math.Ceiling(top / 4)));
    }

    public double Scale(long micros) => micros / 1_000_000.0 * Factor;

    /// <summary>A y-axis tick in the reader's number format with its unit: "1,5 ct" in German, "1.5 ct" in English.</summary>
    public string Tick(double value, System.Globalization.CultureInfo culture) => value.ToString("0.##", culture) + "\u00a0" + Unit;
}
