using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;

namespace PromptLeo.Tests.Cluster;

/// <summary>
/// One portal node of a cluster: the demo-model portal on a shared data folder (and so on the database the fixture
/// configures for that folder), with its own node name.
/// </summary>
public sealed class PortalNode : ApiPortalFactory
{
    /// <param name="databases">Null: the SQLite database in the data folder; else these PostgreSQL databases.</param>
    public PortalNode(string dataDirectory, string nodeName, PostgresDatabases? databases = null)
        : base(dataDirectory)
    {
        NodeName = nodeName;
        Postgres = databases;
    }

    public string NodeName { get; }

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        // Leases, reservations and processing records name the node; each node sweeps only its own unfinished records at start.
        ["Cluster:NodeName"] = NodeName,
    };

    public async Task<AppDbContext> DbAsync() => await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
}

/// <summary>
/// Two portal nodes, "node-a" and "node-b", on one data folder and so one database: two hosts in one test process,
/// each with its own services, caches, in-process locks and background jobs, as two machines behind a load balancer.
/// </summary>
public class PortalNodes : IDisposable
{
    public PortalNodes()
        : this(null)
    {
    }

    protected PortalNodes(PostgresDatabases? databases)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N"));
        A = new PortalNode(dataDirectory, "node-a", databases) { KeepDataOnDispose = true };
        // One after the other, as a rolling start does: the first node migrates the database and creates the demo models.
        _ = A.Services;
        B = new PortalNode(dataDirectory, "node-b", databases) { KeepDataOnDispose = true };
        _ = B.Services;
    }

    public PortalNode A { get; }

    public PortalNode B { get; }

    public IReadOnlyList<PortalNode> Both => [A, B];

    public void Dispose()
    {
        B.Dispose();
        A.KeepDataOnDispose = false;
        A.Dispose();
    }
}

/// <summary>The same two nodes on one PostgreSQL content database and one key database (dropped when the first node goes).</summary>
public sealed class PostgresPortalNodes() : PortalNodes(PostgresDatabases.Create());
