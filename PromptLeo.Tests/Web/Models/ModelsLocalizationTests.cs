using System.Text.RegularExpressions;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Models;

public sealed partial class ModelsLocalizationTests
{
    [Fact]
    public void EveryModelAdministrationString_HasGermanTranslation()
    {
        var keys = GermanStrings.Keys(KeyPattern(), 1, Path.Combine("Features", "Admin"), Path.Combine("Features", "Models"));
        var missing = GermanStrings.Missing(GermanStrings.Load("ModelsResource"), keys);
        Assert.True(keys.Count > 30, "the model administration's strings go through M[...]");
        Assert.True(missing.Count == 0, "Missing German strings:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void EveryInstallPanelString_HasGermanTranslation() =>
        GermanStrings.AssertFeatureTranslated("ModelsResource", Path.Combine("Features", "Models"), minimumKeys: 20);

    [GeneratedRegex("""\bM\["((?:[^"\\]|\\.)+)"[,\]]""")]
    private static partial Regex KeyPattern();
}
