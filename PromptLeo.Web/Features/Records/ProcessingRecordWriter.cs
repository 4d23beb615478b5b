using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Hosting;

namespace PromptLeo.Web.Features.Records;

/// <summary>The <c>Records</c> section.</summary>
public sealed class RecordsOptions
{
    public const string SectionName = "Records";

    /// <summary>How long processing records are kept: three years by default, the regular limitation period (§ 195 BGB).</summary>
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 1095;
}

/// <summary>What a processing record says about a request; the purposes the portal and API use.</summary>
public static class ProcessingPurpose
{
    public const string Chat = "chat-completion";
    public const string ImageGeneration = "image-generation";
    public const string ImageEdit = "image-edit";
    public const string BackgroundRemoval = "background-removal";

    public const string LegalBasis = "Art. 6(1)(b) GDPR";

    public static string DataCategoriesFor(string purpose) => purpose switch
    {
        Chat => "prompt text; generated text; usage metadata",
        ImageGeneration => "prompt text; generated image; usage metadata",
        ImageEdit => "uploaded image; prompt text; generated image; usage metadata",
        BackgroundRemoval => "uploaded image; generated image; usage metadata",
        _ => "usage metadata",
    };
}

/// <summary>
/// Creates processing records stamped with region, node, legal basis and retention end. The caller adds the record to
/// the same <see cref="AppDbContext"/> as the message or image it documents, so both commit in one transaction.
/// </summary>
public sealed class ProcessingRecordWriter(IOptions<HostingOptions> hosting, IOptions<RecordsOptions> records, TimeProvider time)
{
    public string Region => hosting.Value.Region;

    public string Node => string.IsNullOrWhiteSpace(hosting.Value.Node) ? Environment.MachineName : hosting.Value.Node;

    /// <summary>A new request id: "req_" and 32 hex digits.</summary>
    public static string NewRequestId() => "req_" + Guid.NewGuid().ToString("N");

    public ProcessingRecord Create(string requestId, string userId, string purpose, string modelId, string channel, string outcome = "completed")
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
            Node = Node,
            Region = Region,
            Outcome = outcome,
            RetentionUntil = now.AddDays(records.Value.RetentionDays),
        };
    }
}
