using PromptLeo.Inference.Devices;

namespace PromptLeo.Inference.Models;

/// <summary>Loads the native resources for one model kind. The registry owns the lifetime of what it returns.</summary>
public interface IModelLoader
{
    /// <summary>The kinds this loader handles.</summary>
    IReadOnlyCollection<ModelKind> Kinds { get; }

    /// <summary>
    /// Loads the model in <paramref name="modelDirectory"/>. Throws <see cref="ModelLoadException"/> with a reason a
    /// person can act on (for example "unet/model.onnx: input 'timestep' missing") when the files are unusable.
    /// </summary>
    Task<ILoadedModel> LoadAsync(ModelManifest manifest, string modelDirectory, CancellationToken cancellationToken);

    /// <summary>
    /// The device pool (<see cref="DeviceMemory.KeyOf"/>) the model will most likely load on, known before loading, so
    /// the registry makes room there before the model's first load (afterwards it uses the device the model last ran on);
    /// null when only the load can tell (the registry then assumes <c>cpu</c>).
    /// </summary>
    string? PlannedDevice(ModelManifest manifest) => null;
}

/// <summary>A resident model. Disposing frees its native memory.</summary>
public interface ILoadedModel : IAsyncDisposable
{
    ModelManifest Manifest { get; }
    /// <summary>Approximate bytes held in memory, used for the resident-memory budget.</summary>
    long ResidentBytes { get; }
    DeviceStatus Device { get; }
}

/// <summary>A model's files cannot be loaded; the message says why.</summary>
public class ModelLoadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The model does not fit the resident-memory cap of its device, even after unloading every idle model there. Not a
/// fault of the model: it is not marked failed and can be tried again when requests on other models finish.
/// </summary>
public sealed class ModelCapacityException(string message) : ModelLoadException(message);
