using System.Diagnostics.Metrics;
using PromptLeo.Inference;

namespace PromptLeo.Web.Features.Telemetry;

/// <summary>
/// This node's running totals for its activity samples, read from its own instruments only (by instance, so other hosts
/// in the same process do not count): the engines' queue depth now and at its peak, and finished requests, failures,
/// output tokens and images since the last sample.
/// </summary>
public sealed class NodeActivityMonitor : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly Lock gate = new();
    private readonly PortalMetrics portal;
    private int queueDepth;
    private int peakQueueDepth;
    private long requests, errors, tokens, images;

    public NodeActivityMonitor(InferenceTelemetry inference, PortalMetrics portal)
    {
        this.portal = portal;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if ((IsQueueDepth(instrument) && inference.Owns(instrument)) || IsPortalCount(instrument))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => AddQueueDepth(value));
        listener.SetMeasurementEventCallback<long>(OnCount);
        listener.Start();
    }

    /// <summary>Requests waiting for the chat and image engines right now.</summary>
    public int QueueDepth
    {
        get
        {
            lock (gate)
            {
                return queueDepth;
            }
        }
    }

    /// <summary>What happened since the previous call; starts the next interval.</summary>
    public NodeActivity TakeInterval()
    {
        lock (gate)
        {
            var taken = new NodeActivity(peakQueueDepth, requests, errors, tokens, images);
            peakQueueDepth = queueDepth;
            requests = errors = tokens = images = 0;
            return taken;
        }
    }

    private static bool IsQueueDepth(Instrument instrument) =>
        instrument.Name is InferenceTelemetry.LlmQueueDepth or InferenceTelemetry.DiffusionQueueDepth;

    private bool IsPortalCount(Instrument instrument) =>
        instrument.Meter == portal.Meter && instrument is Counter<long>;

    private void AddQueueDepth(int delta)
    {
        lock (gate)
        {
            queueDepth += delta;
            peakQueueDepth = Math.Max(peakQueueDepth, queueDepth);
        }
    }

    private void OnCount(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var failed = false;
        foreach (var tag in tags)
        {
            failed |= tag is { Key: "outcome", Value: PortalMetrics.FailedOutcome };
        }
        lock (gate)
        {
            if (instrument == portal.Requests)
            {
                requests += value;
                errors += failed ? value : 0;
            }
            else if (instrument == portal.OutputTokens)
            {
                tokens += value;
            }
            else if (instrument == portal.Images)
            {
                images += value;
            }
        }
    }

    public void Dispose() => listener.Dispose();
}

/// <summary>One interval of a node's activity.</summary>
public sealed record NodeActivity(int PeakQueueDepth, long Requests, long Errors, long Tokens, long Images);
