using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Cluster;
using PromptLeo.Web.Features.Metering;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Features.Telemetry;

namespace PromptLeo.Tests.Cluster;

/// <summary>One setting names the node (<c>Cluster:NodeName</c>); the old <c>Hosting:Node</c> is still read, with a warning.</summary>
public sealed class NodeNameTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    [Fact]
    public void NodeName_OnlyClusterNodeName_IsThatName() =>
        Assert.Equal("node-a", ClusterExtensions.NodeName(Settings(("Cluster:NodeName", "node-a"))));

    [Fact]
    public void NodeName_OnlyTheOldHostingNode_IsThatName() =>
        Assert.Equal("old-node", ClusterExtensions.NodeName(Settings(("Hosting:Node", " old-node "))));

    [Fact]
    public void NodeName_BothSetToTheSameName_IsThatName() =>
        Assert.Equal("node-a", ClusterExtensions.NodeName(Settings(("Cluster:NodeName", "node-a"), ("Hosting:Node", "node-a"))));

    [Fact]
    public void NodeName_NeitherSet_IsTheMachineName() =>
        Assert.Equal(Environment.MachineName, ClusterExtensions.NodeName(Settings(("Cluster:NodeName", " "))));

    [Fact]
    public void NodeName_BothSetAndDifferent_RefusesNamingBothSettings()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ClusterExtensions.NodeName(Settings(("Cluster:NodeName", "node-a"), ("Hosting:Node", "node-b"))));

        Assert.Contains("Cluster:NodeName is 'node-a'", error.Message);
        Assert.Contains("Hosting:Node is 'node-b'", error.Message);
    }

    [Fact]
    public async Task OldHostingNode_OnAPortal_EveryUserReadsItAndAWarningSaysToRenameIt()
    {
        await using var portal = new LegacyNodePortal();
        var services = portal.Services;

        Assert.Equal(LegacyNodePortal.Name, services.GetRequiredService<IOptions<ClusterOptions>>().Value.NodeName);
        Assert.Equal(LegacyNodePortal.Name, services.GetRequiredService<ProcessingRecordWriter>().Node);
        Assert.Equal(LegacyNodePortal.Name, services.GetRequiredService<ClusterLeases>().NodeName);
        Assert.Equal(LegacyNodePortal.Name, services.GetRequiredService<NodeMetricSampler>().NodeName);
        Assert.Equal(LegacyNodePortal.Name, services.GetRequiredService<IInferenceRouter>().Route(ApiPortalFactory.ChatModel).Node);
        Assert.Contains(portal.Logs.Lines, l => l.StartsWith("Warning ") && l.Contains("Hosting:Node is the old name of Cluster:NodeName") && l.Contains(LegacyNodePortal.Name));
    }

    private sealed class LegacyNodePortal : PortalFactory
    {
        public const string Name = "legacy-node-7";

        public CapturingLoggerProvider Logs { get; } = new();

        protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Hosting:Node"] = Name };

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs));
        }
    }
}
