using System.Globalization;
using PromptLeo.Web.Features.Portal;

namespace PromptLeo.Tests.Web;

public class PortalMudLocalizerTests
{
    [Fact]
    public void German_TranslatesMudBlazorLabels_EnglishFallsBackToMudBlazor()
    {
        var localizer = new PortalMudLocalizer();
        var previous = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("de-DE");
            Assert.Equal("Nächste Seite", localizer["MudTablePager_NextPage"].Value);
            Assert.False(localizer["MudDialog_Close"].ResourceNotFound);

            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("en");
            Assert.True(localizer["MudTablePager_NextPage"].ResourceNotFound);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }
}
