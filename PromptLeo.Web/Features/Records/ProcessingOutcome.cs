namespace PromptLeo.Web.Features.Records;

/// <summary>The states of a processing record: written as started before inference, finished with one of the others.</summary>
public static class ProcessingOutcome
{
    public const string Started = "started";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";
    public const string Failed = "failed";

    /// <summary>The process died mid-inference; set at the next start, nothing is charged.</summary>
    public const string Interrupted = "interrupted";
}
