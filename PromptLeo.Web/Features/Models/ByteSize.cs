using System.Globalization;

namespace PromptLeo.Web.Features.Models;

/// <summary>Bytes as a person reads them (binary units: memory is counted in them).</summary>
public static class ByteSize
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB"];

    public static string Format(long bytes, IFormatProvider? culture = null)
    {
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : string.Create(culture ?? CultureInfo.CurrentCulture, $"{value:0.#} {Units[unit]}");
    }
}
