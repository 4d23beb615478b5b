using PromptLeo.Inference.Models;

namespace PromptLeo.Web.Features.Images;

/// <summary>A model the studio offers.</summary>
public sealed record ImageModelChoice(string Id, string DisplayName, bool IsDemo, int DefaultWidth, int DefaultHeight, int DefaultSteps, float DefaultGuidance);

/// <summary>Installed, healthy models per kind, read from the registry each time (models come and go while a page is open).</summary>
public sealed class ImageModelChoices(IModelRegistry registry)
{
    public IReadOnlyList<ImageModelChoice> Diffusion() => Of(ModelKind.Diffusion);

    public IReadOnlyList<ImageModelChoice> BackgroundRemoval() => Of(ModelKind.BackgroundRemoval);

    private List<ImageModelChoice> Of(ModelKind kind) => registry.List()
        .Where(s => s.Manifest.Kind == kind && s.State != ModelState.Failed)
        .OrderBy(s => s.Manifest.IsDemo).ThenBy(s => s.Manifest.DisplayName, StringComparer.OrdinalIgnoreCase)
        .Select(s => new ImageModelChoice(
            s.Manifest.Id, s.Manifest.DisplayName, s.Manifest.IsDemo,
            Default(s.Manifest, "width", 512), Default(s.Manifest, "height", 512), Default(s.Manifest, "steps", 20),
            (float)s.Manifest.DefaultParameters.GetValueOrDefault("guidance", 7.5)))
        .ToList();

    private static int Default(ModelManifest manifest, string key, int fallback) =>
        manifest.DefaultParameters.TryGetValue(key, out var value) ? (int)value : fallback;
}
