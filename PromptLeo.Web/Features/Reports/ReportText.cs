using System.Globalization;

namespace PromptLeo.Web.Features.Reports;

/// <summary>German or English text for the PDF documents, which are long-form and versioned with the code.</summary>
public readonly record struct ReportText(string Language)
{
    /// <summary>The current request's UI language: German for "de", English for everything else.</summary>
    public static ReportText Current => new(CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "de" ? "de" : "en");

    public bool German => Language == "de";

    public string T(string english, string german)
    {
        ReportRecording.Pair(english, german);
        return German ? german : english;
    }

    /// <summary>The BCP 47 tag written into the PDF as /Lang, so screen readers speak the right language.</summary>
    public string LanguageTag => German ? "de-DE" : "en-GB";

    /// <summary>A whole number with the culture's group separator (1.234 or 1,234).</summary>
    public string Number(long value) => value.ToString("N0", Culture);

    public CultureInfo Culture => CultureInfo.GetCultureInfo(German ? "de-DE" : "en-GB");

    public string Date(DateTimeOffset value) => value.UtcDateTime.ToString(German ? "dd.MM.yyyy" : "yyyy-MM-dd", Culture);

    public string DateTime(DateTimeOffset value) => value.UtcDateTime.ToString(German ? "dd.MM.yyyy HH:mm 'UTC'" : "yyyy-MM-dd HH:mm 'UTC'", Culture);
}
