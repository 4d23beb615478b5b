namespace PromptLeo.Web.Features.Privacy;

/// <summary>The erasure job runs already (on this or another portal node); this request leaves it to that run.</summary>
public sealed class ErasureInProgressException(Guid jobId) : InvalidOperationException("This erasure is already running.")
{
    public Guid JobId { get; } = jobId;
}
