using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Cluster;

namespace PromptLeo.Tests.Cluster;

/// <summary>
/// One portal node of a cluster: its own process state (caches, limiters, bus), the data folder (one SQLite database)
/// and Redis shared with its peers. Settings go in as host settings, which the cluster check reads while services register.
/// </summary>
public sealed class ClusterNode : PortalFactory
{
    public const string UserPassword = "Cluster-Passw0rd!";
    public const int RequestsPerMinutePerKey = 6;

    private readonly string? redisConfiguration;
    private readonly string nodeName;
    private readonly int expectedNodes;

    /// <param name="databases">Null: the SQLite database in the data folder; else these PostgreSQL databases.</param>
    public ClusterNode(string dataDirectory, string? redisConfiguration, string nodeName, int expectedNodes = 2, PostgresDatabases? databases = null)
        : base(dataDirectory)
    {
        Postgres = databases;
        this.redisConfiguration = redisConfiguration;
        this.nodeName = nodeName;
        this.expectedNodes = expectedNodes;
        KeepDataOnDispose = true;
    }

    /// <summary>A PFX outside the data folder that encrypts the key ring (<c>Storage:KeyRingCertificatePath</c>).</summary>
    public string? KeyRingCertificatePath { get; init; }

    /// <summary>Every invalidation this node's handlers were given, local or from another node.</summary>
    public ConcurrentQueue<ClusterInvalidation> Invalidations { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Storage:DataDirectory", DataDirectory);
        builder.UseSetting("Cluster:NodeName", nodeName);
        builder.UseSetting("Cluster:ExpectedNodes", expectedNodes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Api:RequestsPerMinutePerKey", RequestsPerMinutePerKey.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (KeyRingCertificatePath is not null)
        {
            builder.UseSetting("Storage:KeyRingCertificatePath", KeyRingCertificatePath);
        }
        if (redisConfiguration is not null)
        {
            builder.UseSetting("Redis:Configuration", redisConfiguration);
        }
        builder.ConfigureServices(services => services.AddSingleton<IClusterInvalidationHandler>(new RecordingHandler(Invalidations)));
    }

    /// <summary>A confirmed account, created through this node's Identity.</summary>
    public async Task<(string UserId, string Email)> CreateUserAsync()
    {
        var email = $"node-{Guid.NewGuid():N}@promptleo.test";
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
        var result = await users.CreateAsync(user, UserPassword);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
        return (user.Id, email);
    }

    /// <summary>A browser on this node whose cookies live in <paramref name="cookies"/>: hand the same jar to another node to move the browser there, as a load balancer does.</summary>
    public HttpClient Browser(CookieContainer cookies) => CreateDefaultClient(new CookieContainerHandler(cookies));

    public HttpClient WithKey(string secret)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    private sealed class RecordingHandler(ConcurrentQueue<ClusterInvalidation> seen) : IClusterInvalidationHandler
    {
        public void Invalidate(ClusterInvalidation message) => seen.Enqueue(message);
    }
}

/// <summary>Two portal nodes on one database and one real Redis, as behind a load balancer.</summary>
public class TwoNodes : IDisposable
{
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N"));
    private readonly PostgresDatabases? databases;

    public TwoNodes()
        : this(null)
    {
    }

    protected TwoNodes(PostgresDatabases? databases)
    {
        this.databases = databases;
        Redis = new RedisServer();
        A = new ClusterNode(dataDirectory, Redis.Configuration, "node-a", databases: databases);
        // Node A creates the database and the first key of the shared key ring before node B starts, as in a rollout.
        A.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("cluster-tests").Protect("first key");
        B = new ClusterNode(dataDirectory, Redis.Configuration, "node-b", databases: databases);
        _ = B.Services;
    }

    public RedisServer Redis { get; }

    public ClusterNode A { get; }

    public ClusterNode B { get; }

    public string DataDirectory => dataDirectory;

    public void Dispose()
    {
        B.Dispose();
        A.Dispose();
        Redis.Dispose();
        databases?.Drop();
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open is left for the OS temp cleaner.
        }
    }
}

/// <summary>The same two nodes and Redis on one PostgreSQL content database and one key database.</summary>
public sealed class PostgresTwoNodes() : TwoNodes(PostgresDatabases.Create());
