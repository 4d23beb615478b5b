using System.Text.Json;
using Microsoft.Extensions.Options;
using PromptLeo.Inference;
using PromptLeo.Inference.Models;

namespace PromptLeo.Web.Features.Images;

/// <summary>A model the studio offers.</summary>
public sealed record ImageModelChoice(string Id, string DisplayName, bool IsDemo, bool SupportsInpainting, int DefaultWidth, int DefaultHeight, int DefaultSteps, float DefaultGuidance);

/// <summary>Installed, healthy models per kind, read from the registry each time (models come and go while a page is open).</summary>
public sealed class ImageModelChoices(IModelRegistry registry, Models.ModelAvailability availability, IOptions<InferenceOptions> inference)
{
    /// <summary>Diffusion models: real before demo, plain before inpainting, then by name.</summary>
    public IReadOnlyList<ImageModelChoice> Diffusion() => Of(ModelKind.Diffusion)
        .OrderBy(m => m.IsDemo).ThenBy(m => m.SupportsInpainting).ThenBy(m => m.DisplayName, StringComparer.OrdinalIgnoreCase).ToList();

    public IReadOnlyList<ImageModelChoice> BackgroundRemoval() => Of(ModelKind.BackgroundRemoval)
        .OrderBy(m => m.IsDemo).ThenBy(m => m.DisplayName, StringComparer.OrdinalIgnoreCase).ToList();

    private IEnumerable<ImageModelChoice> Of(ModelKind kind) => registry.List()
        .Where(s => s.Manifest.Kind == kind && s.State != ModelState.Failed && availability.IsOffered(s.Manifest.Id))
        .Select(s => new ImageModelChoice(
            s.Manifest.Id, s.Manifest.DisplayName, s.Manifest.IsDemo, kind == ModelKind.Diffusion && IsInpainting(s.Manifest.Id),
            Default(s.Manifest, "width", 512), Default(s.Manifest, "height", 512), Default(s.Manifest, "steps", 20),
            (float)s.Manifest.DefaultParameters.GetValueOrDefault("guidance", 7.5)));

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

    private static int Default(ModelManifest manifest, string key, int fallback) =>
        manifest.DefaultParameters.TryGetValue(key, out var value) ? (int)value : fallback;
}
