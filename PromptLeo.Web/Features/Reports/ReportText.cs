using System.Globalization;

namespace PromptLeo.Web.Features.Reports;

/// <summary>German or English text for the PDF documents, which are long-form and versioned with the code.</summary>
public readonly record struct ReportText(string Language)
{
    public bool German => Language == "de";

    public string T(string english, string german) => German ? german : english;

    public CultureInfo Culture => CultureInfo.GetCultureInfo(German ? "de-DE" : "en-GB");

    public string Date(DateTimeOffset value) => value.UtcDateTime.ToString(German ? "dd.MM.yyyy" : "yyyy-MM-dd", Culture);

    public string DateTime(DateTimeOffset value) => value.UtcDateTime.ToString(German ? "dd.MM.yyyy HH:mm 'UTC'" : "yyyy-MM-dd HH:mm 'UTC'", Culture);
}
