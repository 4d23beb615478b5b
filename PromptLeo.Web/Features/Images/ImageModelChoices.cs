using System.Text.Json;
using Microsoft.Extensions.Options;
using PromptLeo.Inference;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models;

namespace PromptLeo.Web.Features.Images;

/// <summary>A model the studio offers; its defaults and abilities come from <see cref="ImageModelChoices.DescribeAsync"/>.</summary>
public sealed record ImageModelChoice(string Id, string DisplayName, bool IsDemo, bool SupportsInpainting);

/// <summary>Installed, healthy models per kind, read from the registry each time (models come and go while a page is open).</summary>
public sealed class ImageModelChoices(IModelRegistry registry, IImageGenerator generator, IOptions<InferenceOptions> inference)
{
    /// <summary>What the model can do and its defaults, from the loaded model (loads it if needed).</summary>
    /// <exception cref="ModelNotFoundException">The model is not installed any more.</exception>
    /// <exception cref="ModelLoadException">The model's files cannot be loaded.</exception>
    public Task<ImageModelCapabilities> DescribeAsync(string modelId, CancellationToken cancellationToken) => generator.DescribeAsync(modelId, cancellationToken);

    /// <summary>Diffusion models: real before demo, plain before inpainting, then by name.</summary>
    public IReadOnlyList<ImageModelChoice> Diffusion() => Of(ModelKind.Diffusion)
        .OrderBy(m => m.IsDemo).ThenBy(m => m.SupportsInpainting).ThenBy(m => m.DisplayName, StringComparer.OrdinalIgnoreCase).ToList();

    public IReadOnlyList<ImageModelChoice> BackgroundRemoval() => Of(ModelKind.BackgroundRemoval)
        .OrderBy(m => m.IsDemo).ThenBy(m => m.DisplayName, StringComparer.OrdinalIgnoreCase).ToList();

    private IEnumerable<ImageModelChoice> Of(ModelKind kind) => registry.List()
        .Where(s => s.Manifest.Kind == kind && s.State != ModelState.Failed)
        .Select(s => new ImageModelChoice(
            s.Manifest.Id, s.Manifest.DisplayName, s.Manifest.IsDemo, kind == ModelKind.Diffusion && IsInpainting(s.Manifest.Id)));

    // The diffusers pipeline class in model_index.json tells an inpainting export without loading its UNet.
    private bool IsInpainting(string modelId)
    {
        try
        {
            var path = Path.Combine(inference.Value.ModelsDirectory, modelId, "model_index.json");
            if (!File.Exists(path))
            {
                return false;
            }
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            return json.RootElement.TryGetProperty("_class_name", out var name) && name.GetString()?.Contains("Inpaint", StringComparison.OrdinalIgnoreCase) == true;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
