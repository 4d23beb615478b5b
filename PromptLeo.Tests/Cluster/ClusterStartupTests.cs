using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Cluster;
using StackExchange.Redis;

namespace PromptLeo.Tests.Cluster;

/// <summary>Start-up with and without Redis: one node runs as it always did, several without Redis refuse.</summary>
public sealed class ClusterStartupTests : IDisposable
{
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public void TwoExpectedNodes_WithoutRedis_RefuseToStartNamingBothSettings()
    {
        using var node = new ClusterNode(dataDirectory, redisConfiguration: null, "node-a", expectedNodes: 2);

        var error = Assert.Throws<InvalidOperationException>(() => node.Services);

        Assert.Contains("Cluster:ExpectedNodes is 2", error.Message);
        Assert.Contains("Redis:Configuration is empty", error.Message);
        // Refused while services were registered: no database was created.
        Assert.False(File.Exists(Path.Combine(dataDirectory, "promptleo.db")));
    }

    [Fact]
    public void OneNode_WithoutRedis_KeepsTheInProcessBusAndTheKeyRingOnDisk()
    {
        using var node = new ClusterNode(dataDirectory, redisConfiguration: null, "node-a", expectedNodes: 1);

        Assert.IsType<InProcessClusterBus>(node.Services.GetRequiredService<IClusterBus>());
        Assert.Null(node.Services.GetRequiredService<ClusterRedis>().Connection);
        Assert.IsType<FileSystemXmlRepository>(node.Services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository);
    }

    [Fact]
    public async Task SingleNodeMovedToRedis_CopiesItsKeyRingSoOldPayloadsStillOpen()
    {
        string sealedBefore;
        using (var single = new ClusterNode(dataDirectory, redisConfiguration: null, "node-a", expectedNodes: 1))
        {
            sealedBefore = single.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("moved").Protect("wrapped before Redis");
        }
        var keyFiles = Directory.GetFiles(Path.Combine(dataDirectory, "keys"), "key-*.xml");
        Assert.Single(keyFiles);
        using var redis = new RedisServer();

        using var clustered = new ClusterNode(dataDirectory, redis.Configuration, "node-a", expectedNodes: 2);

        Assert.Equal("wrapped before Redis", clustered.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("moved").Unprotect(sealedBefore));
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var shared = await connection.GetDatabase().ListRangeAsync("promptleo:dataprotection-keys");
        var keyId = Path.GetFileNameWithoutExtension(keyFiles[0])["key-".Length..];
        Assert.Contains(shared, element => element.ToString().Contains($"id=\"{keyId}\""));
        Assert.Single(Directory.GetFiles(Path.Combine(dataDirectory, "keys"), "key-*.xml"));
    }

    [Fact]
    public async Task Certificate_KeysInRedis_AreEncrypted()
    {
        var certificateDirectory = Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N"));
        using var redis = new RedisServer();
        using var node = new ClusterNode(dataDirectory, redis.Configuration, "node-a")
        {
            KeyRingCertificatePath = Web.Storage.KeyRingProtectionTests.WriteCertificate(certificateDirectory),
        };

        var protector = node.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("encrypted");
        Assert.Equal("payload", protector.Unprotect(protector.Protect("payload")));

        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var shared = (await connection.GetDatabase().ListRangeAsync("promptleo:dataprotection-keys")).Select(e => e.ToString()).ToList();
        Assert.NotEmpty(shared);
        Assert.All(shared, key =>
        {
            Assert.Contains("<encryptedSecret", key);
            Assert.DoesNotContain("<masterKey", key);
        });
        Directory.Delete(certificateDirectory, recursive: true);
    }

    [Fact]
    public void Redis_Unreachable_RefusesToStart()
    {
        // A closed loopback port: the node must not serve without the state it is told to share.
        using var node = new ClusterNode(dataDirectory, "127.0.0.1:1,connectTimeout=1000", "node-a", expectedNodes: 1);

        var error = Record.Exception(() => node.Services);

        Assert.IsType<StackExchange.Redis.RedisConnectionException>(error is InvalidOperationException { InnerException: { } inner } ? inner : error);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
