using System.Text.RegularExpressions;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.SubProcessors;

public sealed partial class SubProcessorLocalizationTests
{
    [Fact]
    public void EveryPageStringAndServiceMessage_HasGermanTranslation()
    {
        var folder = Path.Combine("Features", "SubProcessors");
        var keys = GermanStrings.Keys(PageKey(), 1, folder);
        // The admin page shows the service's refusal messages through P[result.Error].
        keys.AddRange(GermanStrings.Keys(ServiceMessage(), 1, folder));
        keys.AddRange(GermanStrings.Keys(MailText(), 1, folder));
        var missing = GermanStrings.Missing(GermanStrings.Load("PrivacyResource"), keys);
        Assert.True(keys.Count > 50, $"found only {keys.Count} strings");
        Assert.True(missing.Count == 0, "Missing German strings:\n" + string.Join("\n", missing));
    }

    [GeneratedRegex("""\bP\["([^"]+)"\]""")]
    private static partial Regex PageKey();

    [GeneratedRegex("""(?:new\(null, |=> )"([A-Z][^"]+\.)"[),]""")]
    private static partial Regex ServiceMessage();

    [GeneratedRegex("""\bstrings\["([^"]+)"\]""")]
    private static partial Regex MailText();
}
