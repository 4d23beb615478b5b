using Microsoft.Extensions.Logging;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Diffusion;

/// <summary>A loaded image-generation model of any family; it creates the pipeline that runs one request.</summary>
internal interface IDiffusionModel : ILoadedModel
{
    /// <summary>What the model can do and its defaults, read from its sessions and configs at load.</summary>
    ImageModelCapabilities Capabilities { get; }

    /// <summary>A pipeline for one request over the shared sessions.</summary>
    IDiffusionPipeline CreatePipeline(ILogger logger);
}

/// <summary>One family's orchestration of tokenizer(s), encoder(s), denoiser loop and VAE for one request.</summary>
internal interface IDiffusionPipeline
{
    /// <summary>Fails with <see cref="ImageRequestException"/> before any inference when the request needs something this model lacks.</summary>
    void ValidateFor(ImageRequest request);

    /// <summary>Runs the request, reporting each step; the token is checked every step and interrupts a session run.</summary>
    ImageResult Run(DiffusionJob job, IProgress<ImageProgress>? progress, CancellationToken cancellationToken);
}

/// <summary>
/// Loads one family's folder layout. <see cref="DiffusionModelLoader"/> picks the loader whose
/// <see cref="Family"/> matches the folder's <c>model_index.json</c> (see <see cref="DiffusionModelIndex"/>).
/// </summary>
internal interface IDiffusionFamilyLoader
{
    ImageModelFamily Family { get; }

    /// <summary>Opens the sessions on the selected device; throws <see cref="ModelLoadException"/> naming the file and the problem.</summary>
    IDiffusionModel Load(ModelManifest manifest, string modelDirectory, Devices.DeviceSelection selection, CancellationToken cancellationToken);
}
