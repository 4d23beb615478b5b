namespace PromptLeo.Web.Data;

/// <summary>
/// One node's activity during one sample interval (a minute by default), written by each node so that any node's
/// admin page can show all nodes. Holds counts only: no user, key, prompt or address.
/// </summary>
public sealed class NodeMetricSample
{
    public long Id { get; set; }

    /// <summary><c>Cluster:NodeName</c> of the node that wrote the sample.</summary>
    public required string Node { get; set; }

    /// <summary>End of the interval, UTC.</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>Highest number of requests waiting for the chat and image engines during the interval.</summary>
    public int QueueDepth { get; set; }

    /// <summary>Inference requests that finished during the interval (completed, cancelled or failed).</summary>
    public long Requests { get; set; }

    /// <summary>Of those, the ones that failed.</summary>
    public long Errors { get; set; }

    /// <summary>Output tokens produced.</summary>
    public long Tokens { get; set; }

    /// <summary>Images produced.</summary>
    public long Images { get; set; }

    /// <summary>Bytes in the node's data folder at the end of the interval.</summary>
    public long DataFolderBytes { get; set; }

    /// <summary>Free bytes on the drive that holds the data folder.</summary>
    public long DiskFreeBytes { get; set; }

    /// <summary>The node's informational version.</summary>
    public required string Version { get; set; }
}
