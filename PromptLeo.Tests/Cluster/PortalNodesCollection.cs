namespace PromptLeo.Tests.Cluster;

/// <summary>The cluster tests share one pair of nodes (two portal starts are the expensive part) and run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class PortalNodesCollection : ICollectionFixture<PortalNodes>
{
    public const string Name = "Two portal nodes";
}

/// <summary>The two-node tests that also run on PostgreSQL, on their own pair of nodes.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresPortalNodesCollection : ICollectionFixture<PostgresPortalNodes>
{
    public const string Name = "Two portal nodes on PostgreSQL";
}
