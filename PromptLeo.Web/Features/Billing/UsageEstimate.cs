namespace PromptLeo.Web.Features.Billing;

/// <summary>The most a request can cost: what is reserved against the budget before inference starts.</summary>
public sealed record UsageEstimate(
    string UserId,
    string? ApiKeyId,
    string ModelId,
    UsageKind Kind,
    string RequestId,
    int InputTokens = 0,
    int MaxOutputTokens = 0,
    int ImageCount = 0,
    int Width = 0,
    int Height = 0,
    int Steps = 0)
{
    /// <summary>The organization billed; the ledger checks its budget and credit besides the member's and the key's.</summary>
    public Guid OrganizationId { get; init; }
}
