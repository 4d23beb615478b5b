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
public sealed class ModelLoadException(string message, Exception? inner = null) : Exception(message, inner);
