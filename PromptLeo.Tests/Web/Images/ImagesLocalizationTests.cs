using System.Text.RegularExpressions;
using System.Xml.Linq;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Images;

public sealed partial class ImagesLocalizationTests
{
    [Fact]
    public void EveryStudioString_HasGermanTranslation()
    {
        var web = SourceTree.WebProject;
        var resx = XDocument.Load(Path.Combine(web, "Resources", "ImagesResource.de.resx"));
        var german = resx.Root!.Elements("data").ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");
        var missing = new SortedSet<string>();
        var found = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(web, "Features", "Images")).Where(f => f.EndsWith(".razor") || f.EndsWith(".cs")))
        {
            foreach (Match m in KeyPattern().Matches(File.ReadAllText(file)))
            {
                found++;
                var key = Regex.Unescape(m.Groups[1].Value);
                if (!german.TryGetValue(key, out var value) || string.IsNullOrWhiteSpace(value))
                {
                    missing.Add($"{Path.GetFileName(file)}: {key}");
                }
            }
        }
        Assert.True(found > 50, "the studio's strings go through T[...]");
        Assert.True(missing.Count == 0, "Missing German strings:\n" + string.Join("\n", missing));
    }

    [GeneratedRegex("""\bT\["((?:[^"\\]|\\.)+)"[,\]]""")]
    private static partial Regex KeyPattern();
}
