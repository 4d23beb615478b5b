namespace PromptLeo.Web.Features.Cluster;

/// <summary>The <c>Redis</c> section: what the nodes of a cluster share (rate limits, invalidation messages, key ring).</summary>
public sealed class RedisOptions
{
    public const string SectionName = "Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>redis:6379,password=...,ssl=true</c>; empty = no Redis (one node).</summary>
    public string Configuration { get; set; } = "";

    /// <summary>Prefix of every key and channel, so that one Redis can serve several installations.</summary>
    public string KeyPrefix { get; set; } = "promptleo";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Configuration);
}
