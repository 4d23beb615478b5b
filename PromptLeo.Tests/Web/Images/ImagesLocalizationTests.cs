using System.Text.RegularExpressions;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Images;

public sealed partial class ImagesLocalizationTests
{
    [Fact]
    public void EveryStudioString_HasGermanTranslation()
    {
        var keys = GermanStrings.Keys(KeyPattern(), 1, Path.Combine("Features", "Images"));
        var missing = GermanStrings.Missing(GermanStrings.Load("ImagesResource"), keys);
        Assert.True(keys.Count > 50, "the studio's strings go through T[...]");
        Assert.True(missing.Count == 0, "Missing German strings:\n" + string.Join("\n", missing));
    }

    [GeneratedRegex("""\bT\["((?:[^"\\]|\\.)+)"[,\]]""")]
    private static partial Regex KeyPattern();
}
