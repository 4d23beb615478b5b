using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Models;

public sealed class ModelsLocalizationTests
{
    [Fact]
    public void EveryInstallPanelString_HasGermanTranslation() =>
        GermanStrings.AssertFeatureTranslated("ModelsResource", Path.Combine("Features", "Models"), minimumKeys: 20);
}
