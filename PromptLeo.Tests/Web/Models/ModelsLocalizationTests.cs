using System.Text.RegularExpressions;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Models;

public sealed partial class ModelsLocalizationTests
{
    [Fact]
    public void EveryInstallPanelString_HasGermanTranslation()
    {
        var keys = GermanStrings.Keys(KeyPattern(), 1, Path.Combine("Features", "Models"));
        var missing = GermanStrings.Missing(GermanStrings.Load("ModelsResource"), keys);
        Assert.True(keys.Count > 20, "the install panel's strings go through T[...]");
        Assert.True(missing.Count == 0, "Missing German strings:\n" + string.Join("\n", missing));
    }

    [GeneratedRegex("""\bT\["((?:[^"\\]|\\.)+)"[,\]]""")]
    private static partial Regex KeyPattern();
}
