using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Cluster;

namespace PromptLeo.Tests.Cluster;

/// <summary>The multi-node example files: marked as examples not run in CI, named in the docs, using the real setting names.</summary>
public sealed class DeploymentExamplesTests
{
    public static TheoryData<string> ExampleFiles() =>
    [
        "deploy/compose.yaml",
        "deploy/haproxy/haproxy.cfg",
        "deploy/kubernetes/config.yaml",
        "deploy/kubernetes/redis.yaml",
        "deploy/kubernetes/portal.yaml",
        "deploy/kubernetes/ingress.yaml",
        "deploy/kubernetes/inference.yaml",
    ];

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void ExampleFile_HeaderSaysNotRunInCi_AndTheDocsNameIt(string path)
    {
        var firstLine = File.ReadLines(Path.Combine(SourceTree.Root, path)).First();
        var operations = File.ReadAllText(Path.Combine(SourceTree.Root, "docs", "operations.md"));

        Assert.StartsWith("# EXAMPLE, NOT RUN IN CI", firstLine);
        Assert.Contains(Path.GetFileName(path), operations);
    }

    [Fact]
    public void Examples_SetTheClusterSettingsByTheirRealNames()
    {
        var names = new[] { $"{ClusterOptions.SectionName}__{nameof(ClusterOptions.ExpectedNodes)}", $"{RedisOptions.SectionName}__{nameof(RedisOptions.Configuration)}", $"{ClusterOptions.SectionName}__{nameof(ClusterOptions.NodeName)}" };

        foreach (var file in new[] { "deploy/compose.yaml", "deploy/kubernetes/config.yaml" })
        {
            var text = File.ReadAllText(Path.Combine(SourceTree.Root, file)) + File.ReadAllText(Path.Combine(SourceTree.Root, "deploy/kubernetes/portal.yaml"));
            Assert.All(names, name => Assert.Contains(name, text));
        }
        Assert.Contains("appendonly", File.ReadAllText(Path.Combine(SourceTree.Root, "deploy/kubernetes/redis.yaml")));
        Assert.Contains("cookie PL_NODE insert", File.ReadAllText(Path.Combine(SourceTree.Root, "deploy/haproxy/haproxy.cfg")));
    }
}
