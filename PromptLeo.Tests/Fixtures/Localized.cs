using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;

namespace PromptLeo.Tests.Fixtures;

/// <summary>Reads a resource's localizer in a chosen culture (language and formats), restoring the thread's culture afterwards.</summary>
public static class Localized
{
    public static T In<TResource, T>(string culture, Func<IStringLocalizer<TResource>, T> read)
    {
        var previous = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try
        {
            using var services = new ServiceCollection().AddLogging().AddLocalization().BuildServiceProvider();
            return read(services.GetRequiredService<IStringLocalizer<TResource>>());
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = previous;
        }
    }
}
