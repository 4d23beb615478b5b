using Microsoft.Extensions.Options;
using PromptLeo.Inference;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models;

namespace PromptLeo.Web.Features.Images;

/// <summary>A model the studio offers; its defaults and abilities come from <see cref="ImageModelChoices.DescribeAsync"/>.</summary>
public sealed record ImageModelChoice(string Id, string DisplayName, bool IsDemo, bool SupportsInpainting, ImageModelFamily Family = ImageModelFamily.StableDiffusion);

/// <summary>Installed, healthy, enabled models per kind, read from the registry each time (models come and go while a page is open).</summary>
public sealed class ImageModelChoices(IModelRegistry registry, IImageGenerator generator, Models.ModelAvailability availability, IOptions<InferenceOptions> inference)
{
    /// <summary>What the model can do and its defaults, from the loaded model (loads it if needed).</summary>
    /// <exception cref="ModelNotFoundException">The model is not installed any more.</exception>
    /// <exception cref="ModelLoadException">The model's files cannot be loaded.</exception>
    public Task<ImageModelCapabilities> DescribeAsync(string modelId, CancellationToken cancellationToken) => generator.DescribeAsync(modelId, cancellationToken);

    /// <summary>
    /// Diffusion models: real before demo, plain before inpainting, then by family (SD, SDXL, FLUX) and name. The
    /// studio preselects the first, so the order is fixed by these rules, never by how display names happen to sort.
    /// </summary>
    public IReadOnlyList<ImageModelChoice> Diffusion() => Of(ModelKind.Diffusion)
        .OrderBy(m => m.IsDemo).ThenBy(m => m.SupportsInpainting).ThenBy(m => m.Family)
        .ThenBy(m => m.DisplayName, StringComparer.OrdinalIgnoreCase).ToList();

    public IReadOnlyList<ImageModelChoice> BackgroundRemoval() => Of(ModelKind.BackgroundRemoval)
        .OrderBy(m => m.IsDemo).ThenBy(m => m.DisplayName, StringComparer.OrdinalIgnoreCase).ToList();

    private IEnumerable<ImageModelChoice> Of(ModelKind kind) => registry.List()
        .Where(s => s.Manifest.Kind == kind && s.State != ModelState.Failed && availability.IsOffered(s.Manifest.Id))
        .Select(s =>
        {
            var index = kind == ModelKind.Diffusion ? ReadIndex(s.Manifest.Id) : null;
            return new ImageModelChoice(s.Manifest.Id, s.Manifest.DisplayName, s.Manifest.IsDemo, index?.IsInpaintingExport == true,
                index?.Family ?? ImageModelFamily.StableDiffusion);
        });

    // model_index.json tells the family and an inpainting export without loading the model.
    private DiffusionModelIndex? ReadIndex(string modelId)
    {
        try
        {
            return DiffusionModelIndex.Read(Path.Combine(inference.Value.ModelsDirectory, modelId));
        }
        catch (Exception ex) when (ex is ModelLoadException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
