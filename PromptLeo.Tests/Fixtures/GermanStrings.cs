using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace PromptLeo.Tests.Fixtures;

/// <summary>Checks that the localizer keys a feature uses have German entries in its resource file.</summary>
public static class GermanStrings
{
    /// <summary>Key → German text of <c>Resources/&lt;resource&gt;.de.resx</c>.</summary>
    public static Dictionary<string, string> Load(string resource) =>
        XDocument.Load(Path.Combine(SourceTree.WebProject, "Resources", $"{resource}.de.resx")).Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");

    /// <summary>Every match of <paramref name="pattern"/> in the .razor and .cs files of the given folders (relative to the web project).</summary>
    public static List<(string File, string Key)> Keys(Regex pattern, int group, params string[] folders) =>
        folders.SelectMany(folder => Directory.EnumerateFiles(Path.Combine(SourceTree.WebProject, folder)))
            .Where(f => f.EndsWith(".razor") || f.EndsWith(".cs"))
            .SelectMany(file => pattern.Matches(File.ReadAllText(file)).Select(m => (Path.GetFileName(file), Regex.Unescape(m.Groups[group].Value))))
            .ToList();

    /// <summary>Asserts that a feature's own localizer keys (<c>T["..."]</c>) in <paramref name="folder"/> all have German entries.</summary>
    public static void AssertFeatureTranslated(string resource, string folder, int minimumKeys)
    {
        var keys = Keys(FeatureKey, 1, folder);
        var missing = Missing(Load(resource), keys);
        Assert.True(keys.Count >= minimumKeys, $"expected at least {minimumKeys} T[...] strings in {folder}, found {keys.Count}");
        Assert.True(missing.Count == 0, "Missing German strings:\n" + string.Join("\n", missing));
    }

    private static readonly Regex FeatureKey = new("""\bT\["((?:[^"\\]|\\.)+)"[,\]]""", RegexOptions.Compiled);

    /// <summary>"file: key" for each key without a non-empty German entry.</summary>
    public static SortedSet<string> Missing(Dictionary<string, string> german, IEnumerable<(string File, string Key)> keys) =>
        new(keys.Where(k => !german.TryGetValue(k.Key, out var value) || string.IsNullOrWhiteSpace(value)).Select(k => $"{k.File}: {k.Key}"));
}
