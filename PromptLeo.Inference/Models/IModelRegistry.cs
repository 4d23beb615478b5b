using PromptLeo.Inference.Devices;

namespace PromptLeo.Inference.Models;

/// <summary>Load state of an installed model.</summary>
public enum ModelState
{
    NotLoaded,
    Loading,
    Loaded,
    Failed,
}

/// <summary>What the registry knows about one installed model.</summary>
public sealed record ModelStatus(
    ModelManifest Manifest,
    ModelState State,
    string? Error = null,
    DeviceStatus? Device = null,
    long ResidentBytes = 0);

/// <summary>A model held in use; it is not unloaded for the memory budget until the lease is disposed.</summary>
public interface IModelLease : IDisposable
{
    ILoadedModel Model { get; }
}

/// <summary>Installed models: listing, status, load on first use, unload under the memory budget.</summary>
public interface IModelRegistry
{
    /// <summary>All installed models with their status.</summary>
    IReadOnlyList<ModelStatus> List();

    /// <summary>The status of one model, or null when it is not installed.</summary>
    ModelStatus? Get(string modelId);

    /// <summary>
    /// Returns the loaded model, loading it first if needed. Throws <see cref="ModelNotFoundException"/> for an
    /// unknown id and <see cref="ModelLoadException"/> when the model failed to load.
    /// </summary>
    Task<IModelLease> AcquireAsync(string modelId, CancellationToken cancellationToken = default);

    /// <summary>Re-reads the models folder (after an install or removal).</summary>
    Task RescanAsync(CancellationToken cancellationToken = default);
}

/// <summary>No installed model has this id.</summary>
public sealed class ModelNotFoundException(string modelId)
    : Exception($"Model '{modelId}' is not installed.")
{
    public string ModelId { get; } = modelId;
}
