using System.Text.RegularExpressions;
using System.Xml.Linq;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Privacy;

public sealed partial class PrivacyLocalizationTests
{
    [Fact]
    public void EveryPrivacyString_HasGermanTranslation()
    {
        var web = SourceTree.WebProject;
        var resx = XDocument.Load(Path.Combine(web, "Resources", "PrivacyResource.de.resx"));
        var german = resx.Root!.Elements("data").ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");
        var missing = new SortedSet<string>();
        var found = 0;
        var files = Directory.EnumerateFiles(Path.Combine(web, "Features", "Privacy"), "*.razor")
            .Concat(Directory.EnumerateFiles(Path.Combine(web, "Features", "Admin"), "*.razor"));
        foreach (var file in files)
        {
            foreach (Match m in KeyPattern().Matches(File.ReadAllText(file)))
            {
                found++;
                var key = m.Groups[2].Value;
                if (!german.TryGetValue(key, out var value) || string.IsNullOrWhiteSpace(value))
                {
                    missing.Add($"{Path.GetFileName(file)}: {key}");
                }
            }
        }
        Assert.True(found > 100, "the Privacy Center's strings go through P[...]");
        Assert.True(missing.Count == 0, "Missing German strings:\n" + string.Join("\n", missing));
    }

    [GeneratedRegex("""\b(P|Privacy)\["([^"]+)"\]""")]
    private static partial Regex KeyPattern();
}
