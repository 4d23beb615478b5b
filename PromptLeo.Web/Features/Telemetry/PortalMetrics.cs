using System.Diagnostics.Metrics;

namespace PromptLeo.Web.Features.Telemetry;

/// <summary>
/// Meter <c>PromptLeo.Portal</c>: every metered inference request as it ends, local or remote, tagged only with its kind
/// (chat, image) and outcome — never with a user, key, organization or model input.
/// </summary>
public sealed class PortalMetrics : IDisposable
{
    public const string MeterName = "PromptLeo.Portal";

    /// <summary>The outcome tag of a failed request (the processing record's outcome name).</summary>
    public const string FailedOutcome = "failed";

    public PortalMetrics()
    {
        Requests = Meter.CreateCounter<long>("promptleo.inference.requests", "{request}", "Inference requests finished, by kind and outcome");
        OutputTokens = Meter.CreateCounter<long>("promptleo.inference.output_tokens", "{token}", "Output tokens of finished requests (what is billed)");
        Images = Meter.CreateCounter<long>("promptleo.inference.images", "{image}", "Images of finished requests (what is billed)");
    }

    public Meter Meter { get; } = new(MeterName);
    public Counter<long> Requests { get; }
    public Counter<long> OutputTokens { get; }
    public Counter<long> Images { get; }

    /// <summary>Counts one finished request; <paramref name="outcome"/> is <c>completed</c>, <c>cancelled</c> or <c>failed</c>.</summary>
    public void Finished(string kind, string outcome, long outputTokens, long images)
    {
        var kindTag = new KeyValuePair<string, object?>("kind", kind);
        Requests.Add(1, kindTag, new KeyValuePair<string, object?>("outcome", outcome));
        if (outputTokens > 0)
        {
            OutputTokens.Add(outputTokens, kindTag);
        }
        if (images > 0)
        {
            Images.Add(images, kindTag);
        }
    }

    public void Dispose() => Meter.Dispose();
}
