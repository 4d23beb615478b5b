using System.Text.RegularExpressions;
using System.Xml.Linq;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Chat;

public sealed partial class ChatLocalizationTests
{
    [Fact]
    public void EveryChatKey_HasGermanTranslation()
    {
        var web = SourceTree.WebProject;
        var resx = XDocument.Load(Path.Combine(web, "Resources", "ChatResource.de.resx"));
        var german = resx.Root!.Elements("data").ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");

        var keys = new SortedSet<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(web, "Features", "Chat"), "*.*").Where(f => f.EndsWith(".razor") || f.EndsWith(".cs")))
        {
            var text = File.ReadAllText(file);
            foreach (Match m in KeyPattern().Matches(text))
            {
                keys.Add(Regex.Unescape(m.Groups[1].Value));
            }
            // Messages of ChatInputException are shown through the localizer too.
            foreach (Match m in InputExceptionPattern().Matches(text))
            {
                keys.Add(Regex.Unescape(m.Groups[1].Value));
            }
        }

        Assert.NotEmpty(keys);
        var missing = keys.Where(k => !german.TryGetValue(k, out var v) || string.IsNullOrWhiteSpace(v)).ToList();
        Assert.True(missing.Count == 0, "Missing German chat strings:\n" + string.Join("\n", missing));
    }

    [GeneratedRegex("""\bT\["((?:[^"\\]|\\.)+)"[,\]]""")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("""ChatInputException\("((?:[^"\\{]|\\.)+)"\)""")]
    private static partial Regex InputExceptionPattern();
}
