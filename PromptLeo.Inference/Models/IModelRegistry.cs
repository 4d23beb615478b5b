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

/// <summary>
/// What the registry knows about one installed model. <see cref="EstimatedBytes"/> is the plan before loading (the
/// manifest's <see cref="ModelManifest.ResidentBytes"/> or the size of its files); <see cref="ResidentBytes"/> is
/// measured once loaded. <see cref="MemoryDevice"/> is the pool it counts against (<see cref="DeviceMemory"/>).
/// </summary>
public sealed record ModelStatus(
    ModelManifest Manifest,
    ModelState State,
    string? Error = null,
    DeviceStatus? Device = null,
    long ResidentBytes = 0,
    long EstimatedBytes = 0,
    string MemoryDevice = DeviceMemory.Cpu,
    int ActiveLeases = 0,
    DateTimeOffset? LastUsedAt = null);

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

    /// <summary>
    /// Unloads a model now. Returns false when it was not loaded. Throws <see cref="ModelInUseException"/> while a
    /// request holds it and <see cref="ModelNotFoundException"/> for an unknown id.
    /// </summary>
    Task<bool> UnloadAsync(string modelId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Unloads a model and deletes its folder. The folder is first renamed to a dot-folder (which no scan reads), so a
    /// half-deleted model never looks installed. Throws <see cref="ModelInUseException"/> while a request holds it.
    /// </summary>
    Task DeleteAsync(string modelId, CancellationToken cancellationToken = default);
}

/// <summary>A request holds the model, so it cannot be unloaded or deleted now.</summary>
public sealed class ModelInUseException(string modelId, int requests)
    : Exception($"Model '{modelId}' is serving {requests} request(s); try again when they have finished.")
{
    public string ModelId { get; } = modelId;
    public int Requests { get; } = requests;
}

/// <summary>No installed model has this id.</summary>
public sealed class ModelNotFoundException(string modelId)
    : Exception($"Model '{modelId}' is not installed.")
{
    public string ModelId { get; } = modelId;
}
