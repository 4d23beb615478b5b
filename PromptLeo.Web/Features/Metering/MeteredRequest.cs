using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Web.Features.Metering;

/// <summary>
/// One metered inference request: who asks, the purpose (see <see cref="ProcessingPurpose"/>), the model, and the most
/// it can produce, which is what the budget reserves.
/// </summary>
public sealed record MeteredRequest(InferencePrincipal Principal, string Purpose, string ModelId, UsageActual UpperBound)
{
    /// <summary>The request id on the record and the usage event; the API passes the one it already sent as X-Request-Id.</summary>
    public string RequestId { get; init; } = ProcessingRecordWriter.NewRequestId();

    public UsageKind UsageKind => Purpose switch
    {
        ProcessingPurpose.Chat => UsageKind.Chat,
        ProcessingPurpose.Embedding => UsageKind.Embedding,
        _ => UsageKind.Image,
    };

    internal UsageEstimate ToEstimate(Guid organizationId) => new(
        Principal.UserId, Principal.ApiKeyId?.ToString(), ModelId, UsageKind, RequestId,
        UpperBound.InputTokens, UpperBound.OutputTokens, UpperBound.ImageCount, UpperBound.Width, UpperBound.Height, UpperBound.Steps)
    {
        OrganizationId = organizationId,
    };
}
