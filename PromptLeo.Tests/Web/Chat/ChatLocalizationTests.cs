using System.Text.RegularExpressions;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Chat;

public sealed partial class ChatLocalizationTests
{
    [Fact]
    public void EveryChatKey_HasGermanTranslation()
    {
        var folder = Path.Combine("Features", "Chat");
        // Messages of ChatInputException are shown through the localizer too.
        var keys = GermanStrings.Keys(KeyPattern(), 1, folder).Concat(GermanStrings.Keys(InputExceptionPattern(), 1, folder)).ToList();
        var missing = GermanStrings.Missing(GermanStrings.Load("ChatResource"), keys);

        Assert.NotEmpty(keys);
        Assert.True(missing.Count == 0, "Missing German chat strings:\n" + string.Join("\n", missing));
    }

    [GeneratedRegex("""\bT\["((?:[^"\\]|\\.)+)"[,\]]""")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("""ChatInputException\("((?:[^"\\{]|\\.)+)"\)""")]
    private static partial Regex InputExceptionPattern();
}
