using System.Globalization;
using Microsoft.Extensions.Localization;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Billing;

/// <summary>A ledger row as a sentence people read ("1 image, 400×300, 1 step"), from the counts the ledger stores.</summary>
public static class UsageText
{
    public static string Describe(UsageEvent usage, IStringLocalizer strings, CultureInfo culture) => usage.Kind switch
    {
        "image" => string.Join(", ",
            usage.ImageCount == 1 ? strings["{0} image", Number(1, culture)] : strings["{0} images", Number(usage.ImageCount, culture)],
            $"{usage.Width}×{usage.Height}",
            usage.Steps == 1 ? strings["{0} step", Number(1, culture)] : strings["{0} steps", Number(usage.Steps, culture)]),
        "embedding" => strings["embedding, {0} tokens", Number(usage.InputTokens, culture)],
        _ => strings["{0} tokens in, {1} out", Number(usage.InputTokens, culture), Number(usage.OutputTokens, culture)],
    };

    private static string Number(long value, CultureInfo culture) => value.ToString("N0", culture);
}
