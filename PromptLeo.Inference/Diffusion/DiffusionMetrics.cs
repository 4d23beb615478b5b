using System.Diagnostics.Metrics;

namespace PromptLeo.Inference.Diffusion;

/// <summary>Instruments of the meter <c>PromptLeo.Inference.Diffusion</c>; every measurement is tagged with the model id.</summary>
internal sealed class DiffusionMetrics : IDisposable
{
    public const string MeterName = "PromptLeo.Inference.Diffusion";

    public DiffusionMetrics()
    {
        Images = Meter.CreateCounter<long>("promptleo.diffusion.images", "{image}", "Images generated (rate = images/min)");
        QueueDepth = Meter.CreateUpDownCounter<int>("promptleo.diffusion.queue_depth", "{request}", "Generations waiting for a free slot");
        ActiveGenerations = Meter.CreateUpDownCounter<int>("promptleo.diffusion.active_generations", "{request}", "Generations running");
        GenerationDuration = Meter.CreateHistogram<double>("promptleo.diffusion.generation_duration", "s", "From the start of the pipeline to the finished image(s)");
    }

    public Meter Meter { get; } = new(MeterName);
    public Counter<long> Images { get; }
    public UpDownCounter<int> QueueDepth { get; }
    public UpDownCounter<int> ActiveGenerations { get; }
    public Histogram<double> GenerationDuration { get; }

    public void Dispose() => Meter.Dispose();
}
