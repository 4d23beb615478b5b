using System.Text.RegularExpressions;
using System.Xml.Linq;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Telemetry;

public sealed partial class SystemViewStringsTests
{
    [Fact]
    public void SystemViewKeys_EveryKey_HasGermanTranslation()
    {
        var web = SourceTree.WebProject;
        var resx = XDocument.Load(Path.Combine(web, "Resources", "SystemViewResource.de.resx"));
        var german = resx.Root!.Elements("data").ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");
        var keys = new[] { "AdminSystemPage.razor", "AdminPage.razor" }
            .SelectMany(f => KeyPattern().Matches(File.ReadAllText(Path.Combine(web, "Features", "Admin", f))))
            .Select(m => Regex.Unescape(m.Groups[1].Value)).ToList();

        Assert.True(keys.Count > 20);
        var missing = keys.Where(k => string.IsNullOrWhiteSpace(german.GetValueOrDefault(k))).ToList();
        Assert.True(missing.Count == 0, "Missing German strings:\n" + string.Join("\n", missing));
    }

    [GeneratedRegex("""\b(?:S|SystemText)\["((?:[^"\\]|\\.)+)"[,\]]""")]
    private static partial Regex KeyPattern();
}
