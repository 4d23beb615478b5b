using System.Globalization;
using Microsoft.Extensions.Localization;

namespace PromptLeo.Web.Features.RemoteInference;

/// <summary>
/// Why an endpoint is unhealthy, kept as a code: the English text with placeholders (the resource key the admin pages
/// translate) and its values, so each reader sees it in their language; logs and API errors use the English text.
/// </summary>
public sealed record RemoteProblem(string Text, params string[] Values)
{
    public override string ToString() => string.Format(CultureInfo.InvariantCulture, Text, Values);

    /// <summary>The problem in the localizer's language.</summary>
    public string In(IStringLocalizer localizer) => localizer[Text, Values];
}
