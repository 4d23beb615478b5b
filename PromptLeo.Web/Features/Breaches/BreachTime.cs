using System.Globalization;

namespace PromptLeo.Web.Features.Breaches;

/// <summary>
/// The admin pages' UTC time fields as text in ISO order ("2026-12-01 14:30"), which reads the same in German and English;
/// a native datetime-local field would show the browser's format instead of the portal's language.
/// </summary>
public static class BreachTime
{
    private static readonly string[] Formats = ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss"];

    public static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Empty gives null without error; anything unreadable gives false.</summary>
    public static bool TryParse(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        if (!DateTime.TryParseExact(text.Trim(), Formats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }
        value = new DateTimeOffset(parsed, TimeSpan.Zero);
        return true;
    }
}
