using System.Diagnostics.Metrics;

namespace PromptLeo.Inference.Models;

/// <summary>
/// Meter <c>PromptLeo.Inference.Models</c>: each installed model's load state and resident memory, read from the registry
/// when a reader collects (observable gauges cost nothing between scrapes).
/// </summary>
internal sealed class ModelMetrics : IDisposable
{
    public const string MeterName = "PromptLeo.Inference.Models";

    public ModelMetrics(IModelRegistry registry)
    {
        Meter.CreateObservableGauge("promptleo.model.state", () => registry.List().Select(s =>
                new Measurement<int>(1, new KeyValuePair<string, object?>("model", s.Manifest.Id), new KeyValuePair<string, object?>("state", StateName(s.State)))),
            "{model}", "1 for the state each installed model is in (loaded, loading, failed, not_loaded)");
        Meter.CreateObservableGauge("promptleo.model.resident_bytes", () => registry.List().Select(s =>
                new Measurement<long>(s.ResidentBytes, new KeyValuePair<string, object?>("model", s.Manifest.Id))),
            "By", "Memory a loaded model holds");
    }

    public Meter Meter { get; } = new(MeterName);

    internal static string StateName(ModelState state) => state switch
    {
        ModelState.Loaded => "loaded",
        ModelState.Loading => "loading",
        ModelState.Failed => "failed",
        _ => "not_loaded",
    };

    public void Dispose() => Meter.Dispose();
}
