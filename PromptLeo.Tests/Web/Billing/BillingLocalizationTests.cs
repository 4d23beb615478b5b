using System.Text.RegularExpressions;
using System.Xml.Linq;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Billing;

public sealed partial class BillingLocalizationTests
{
    [Theory]
    [InlineData("BillingResource", "Features/Billing", "B")]
    [InlineData("BillingResource", "Features/Billing", "strings")]
    [InlineData("ApiKeysResource", "Features/ApiKeys", "K")]
    public void EveryKey_HasGermanTranslation(string resource, string folder, string variable)
    {
        var web = SourceTree.WebProject;
        var german = XDocument.Load(Path.Combine(web, "Resources", $"{resource}.de.resx")).Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");
        var pattern = new Regex($$"""\b{{variable}}\["((?:[^"\\]|\\.)+)"[,\]]""");
        var missing = new SortedSet<string>();
        var found = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(web, folder), "*.*").Where(f => f.EndsWith(".razor") || f.EndsWith(".cs")))
        {
            foreach (Match m in pattern.Matches(File.ReadAllText(file)))
            {
                found++;
                var key = Regex.Unescape(m.Groups[1].Value);
                if (!german.TryGetValue(key, out var value) || string.IsNullOrWhiteSpace(value))
                {
                    missing.Add($"{Path.GetFileName(file)}: {key}");
                }
            }
        }
        Assert.True(found > 0);
        Assert.True(missing.Count == 0, "Missing German strings:\n" + string.Join("\n", missing));
    }
}
