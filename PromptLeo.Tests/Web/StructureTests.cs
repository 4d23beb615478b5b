using System.Text.RegularExpressions;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web;

/// <summary>
/// Keeps the one-way structure honest: Inference knows nothing of the web app, Llm and Diffusion are independent,
/// Data knows no feature, features form no cycle, and only Program.cs wires features in. References are read from the
/// source (using lines and qualified names), plus the usings that <c>_Imports.razor</c> gives every component below it.
/// </summary>
public sealed partial class StructureTests
{
    [Fact]
    public void InferenceAssembly_ReferencesNoWebAssembly()
    {
        var references = typeof(PromptLeo.Inference.InferenceOptions).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain(references, name => name.StartsWith("PromptLeo.Web", StringComparison.Ordinal) || name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(NamespacesUsed(Path.Combine(SourceTree.Root, "PromptLeo.Inference")), n => n.StartsWith("PromptLeo.Web", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Llm", "Diffusion")]
    [InlineData("Diffusion", "Llm")]
    public void InferenceEngine_DoesNotReferenceTheOtherEngine(string engine, string other)
    {
        var used = NamespacesUsed(Path.Combine(SourceTree.Root, "PromptLeo.Inference", engine));

        Assert.DoesNotContain(used, n => n.StartsWith($"PromptLeo.Inference.{other}", StringComparison.Ordinal));
    }

    [Fact]
    public void Data_ReferencesNoFeature()
    {
        var used = NamespacesUsed(Path.Combine(SourceTree.WebProject, "Data"));

        Assert.DoesNotContain(used, n => n.StartsWith("PromptLeo.Web.Features", StringComparison.Ordinal));
    }

    [Fact]
    public void Features_FormNoCycle()
    {
        var graph = FeatureGraph();
        Assert.Contains("Metering", graph["Chat"]);

        var cycle = FindCycle(graph);

        Assert.True(cycle is null, $"Features reference each other: {string.Join(" -> ", cycle ?? [])}. Move what they share to the lower one or to a small shared folder.");
    }

    [Fact]
    public void FindCycle_ReportsACycleThroughThreeFeatures()
    {
        var graph = new Dictionary<string, HashSet<string>>
        {
            ["Billing"] = ["Privacy"],
            ["Privacy"] = ["Content"],
            ["Content"] = ["Billing"],
            ["Chat"] = ["Content"],
        };

        Assert.Equal(["Billing", "Privacy", "Content", "Billing"], FindCycle(graph));
    }

    [Fact]
    public void Program_RegistersEveryFeature_NoFeatureRegistersAnother()
    {
        var sources = Directory.EnumerateFiles(Path.Combine(SourceTree.WebProject, "Features"), "*.cs", SearchOption.AllDirectories)
            .Select(File.ReadAllText).ToList();
        var entries = sources.SelectMany(s => FeatureEntryDefinition().Matches(s)).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("AddPromptLeoEmail", entries);
        var program = File.ReadAllText(Path.Combine(SourceTree.WebProject, "Program.cs"));

        var missing = entries.Where(e => !program.Contains($".{e}(", StringComparison.Ordinal)).ToList();
        var calledByFeatures = sources.SelectMany(s => MethodCall().Matches(s)).Select(m => m.Groups[1].Value).Where(entries.Contains).ToList();

        Assert.True(missing.Count == 0, $"Program.cs does not call: {string.Join(", ", missing)}");
        Assert.True(calledByFeatures.Count == 0, $"Features call another feature's entry point: {string.Join(", ", calledByFeatures)}");
    }

    /// <summary>Feature folder → the other features its files name.</summary>
    private static Dictionary<string, HashSet<string>> FeatureGraph()
    {
        var features = Path.Combine(SourceTree.WebProject, "Features");
        var rootImports = ImportsFor(Path.Combine(SourceTree.WebProject, "_Imports.razor"));
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var folder in Directory.EnumerateDirectories(features))
        {
            var name = Path.GetFileName(folder);
            var used = NamespacesUsed(folder);
            if (Directory.EnumerateFiles(folder, "*.razor", SearchOption.AllDirectories).Any())
            {
                used.UnionWith(rootImports);
            }
            graph[name] = [.. used.Select(FeatureOf).OfType<string>().Where(f => f != name)];
        }
        return graph;
    }

    private static string? FeatureOf(string ns)
    {
        var match = FeatureNamespace().Match(ns);
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>A cycle as a path that ends where it starts, or null.</summary>
    internal static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        var state = new Dictionary<string, int>();
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node, []).Order(StringComparer.Ordinal))
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    return [.. path.Skip(path.IndexOf(next)), next];
                }
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found)
                {
                    return found;
                }
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle)
            {
                return cycle;
            }
        }
        return null;
    }

    /// <summary>Every PromptLeo namespace named in the C# and Razor files below <paramref name="folder"/>.</summary>
    private static HashSet<string> NamespacesUsed(string folder)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories)
            .Where(f => (f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            foreach (Match match in QualifiedName().Matches(File.ReadAllText(file)))
            {
                used.Add(match.Value);
            }
        }
        return used;
    }

    private static HashSet<string> ImportsFor(string importsFile) =>
        [.. QualifiedName().Matches(File.ReadAllText(importsFile)).Select(m => m.Value)];

    [GeneratedRegex(@"PromptLeo(\.[A-Z][A-Za-z0-9]*)+")]
    private static partial Regex QualifiedName();

    /// <summary>A feature's entry point: AddX on the builder, MapX on the endpoints, UseX on the app.</summary>
    [GeneratedRegex(@"public static \w+ ((?:Add|Map|Use)\w+)\(this (?:IHostApplicationBuilder|IEndpointRouteBuilder|WebApplication) ")]
    private static partial Regex FeatureEntryDefinition();

    [GeneratedRegex(@"\.(\w+)\(")]
    private static partial Regex MethodCall();

    [GeneratedRegex(@"^PromptLeo\.Web\.Features\.([A-Za-z0-9]+)")]
    private static partial Regex FeatureNamespace();
}
