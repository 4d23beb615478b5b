using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Cluster;
using PromptLeo.Web.Features.Hosting;

namespace PromptLeo.Web.Features.Records;

/// <summary>
/// Creates processing records stamped with region, node, legal basis and retention end. The caller adds the record to
/// the same <see cref="AppDbContext"/> as the message or image it documents, so both commit in one transaction.
/// </summary>
public sealed class ProcessingRecordWriter(IOptions<HostingOptions> hosting, IOptions<ClusterOptions> cluster, IOptions<RecordsOptions> records, TimeProvider time)
{
    public string Region => hosting.Value.Region;

    /// <summary><c>Cluster:NodeName</c>: the same name leases, reservations and metrics carry.</summary>
    public string Node => cluster.Value.NodeName;

    /// <summary>A new request id: "req_" and 32 hex digits.</summary>
    public static string NewRequestId() => "req_" + Guid.NewGuid().ToString("N");

    /// <summary>A record stamped with this node and region, or with <paramref name="node"/> and <paramref name="region"/> where another node processes the request.</summary>
    public ProcessingRecord Create(string requestId, string userId, string purpose, string modelId, string channel, string outcome = "completed", string? node = null, string? region = null)
    {
        var now = time.GetUtcNow();
        return new ProcessingRecord
        {
            RequestId = requestId,
            At = now,
            SubjectId = userId,
            Channel = channel,
            Purpose = purpose,
            ModelId = modelId,
            DataCategories = ProcessingPurpose.DataCategoriesFor(purpose),
            LegalBasis = ProcessingPurpose.LegalBasis,
            Node = node ?? Node,
            Region = region ?? Region,
            Outcome = outcome,
            RetentionUntil = now.AddDays(records.Value.RetentionDays),
        };
    }
}
