using System.Diagnostics.Metrics;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference;

/// <summary>
/// The inference layer's meters: by name for exporters (which listen process-wide), and by instance for a reader that
/// wants this host's own values only (several hosts in one process, as in tests, share the names).
/// </summary>
public sealed class InferenceTelemetry
{
    private readonly Meter[] meters;

    internal InferenceTelemetry(LlmMetrics llm, DiffusionMetrics diffusion, ModelMetrics models) =>
        meters = [llm.Meter, diffusion.Meter, models.Meter];

    /// <summary>Names of the meters: chat engine, image engine, model registry.</summary>
    public static IReadOnlyList<string> MeterNames { get; } = [LlmMetrics.MeterName, DiffusionMetrics.MeterName, ModelMetrics.MeterName];

    /// <summary>Instrument name of the chat engine's queue depth (requests waiting for a batch slot).</summary>
    public const string LlmQueueDepth = "promptleo.llm.queue_depth";

    /// <summary>Instrument name of the image engine's queue depth (generations waiting for a slot).</summary>
    public const string DiffusionQueueDepth = "promptleo.diffusion.queue_depth";

    /// <summary>Whether <paramref name="instrument"/> belongs to this host's inference layer.</summary>
    public bool Owns(Instrument instrument) => meters.Contains(instrument.Meter);
}
