using System.Text.RegularExpressions;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Privacy;

public sealed partial class PrivacyLocalizationTests
{
    [Fact]
    public void EveryPrivacyString_HasGermanTranslation()
    {
        var keys = GermanStrings.Keys(KeyPattern(), 2, Path.Combine("Features", "Privacy"), Path.Combine("Features", "Admin"));
        var missing = GermanStrings.Missing(GermanStrings.Load("PrivacyResource"), keys);
        Assert.True(keys.Count > 100, "the Privacy Center's strings go through P[...]");
        Assert.True(missing.Count == 0, "Missing German strings:\n" + string.Join("\n", missing));
    }

    [GeneratedRegex("""\b(P|Privacy)\["([^"]+)"\]""")]
    private static partial Regex KeyPattern();
}
