using Microsoft.Extensions.Options;
using PromptLeo.Inference;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Web.Features.Models;

public static class ModelsExtensions
{
    /// <summary>The inference layer, with its models folder defaulting to <c>&lt;data&gt;/models</c>.</summary>
    public static IHostApplicationBuilder AddPromptLeoModels(this IHostApplicationBuilder builder)
    {
        builder.Services.AddPromptLeoInference();
        builder.Services.AddOptions<InferenceOptions>()
            .PostConfigure<DataPaths>((options, paths) =>
            {
                if (string.IsNullOrWhiteSpace(options.ModelsDirectory))
                {
                    options.ModelsDirectory = paths.Models;
                }
            });
        builder.Services.AddSingleton<DemoModelSet>();
        return builder;
    }

    /// <summary>With <c>Inference:CreateDemoModels</c>, writes the tiny demo models once so chat works right away.</summary>
    public static async Task EnsureDemoModelsAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var options = services.GetRequiredService<IOptions<InferenceOptions>>().Value;
        if (options.CreateDemoModels)
        {
            await services.GetRequiredService<DemoModelSet>().WriteAllAsync(overwrite: false, cancellationToken);
        }
    }
}

/// <summary>Every demo model the portal writes: chat, text-to-image (Stable Diffusion and FLUX.1-schnell), inpainting and background removal.</summary>
public sealed class DemoModelSet(IOptions<InferenceOptions> options, IModelRegistry registry)
{
    public const string DemoDiffusionModelId = "demo-sd-tiny";
    public const string DemoInpaintingModelId = "demo-sd-tiny-inpainting";
    public const string DemoBackgroundRemovalModelId = "demo-background-removal";
    public const string DemoFluxModelId = "demo-flux-schnell-tiny";

    public async Task<IReadOnlyList<ModelManifest>> WriteAllAsync(bool overwrite, CancellationToken cancellationToken = default)
    {
        var directory = options.Value.ModelsDirectory;
        var written = new List<ModelManifest>
        {
            await DemoModelInstaller.WriteDemoChatModelFilesAsync(directory, overwrite, cancellationToken),
        };
        var diffusion = Path.Combine(directory, DemoDiffusionModelId);
        if (overwrite || !File.Exists(Path.Combine(diffusion, ModelManifestFile.FileName)))
        {
            written.Add(TinyDiffusionModelWriter.Write(diffusion, new TinyDiffusionModelOptions { Id = DemoDiffusionModelId }));
        }
        var inpainting = Path.Combine(directory, DemoInpaintingModelId);
        if (overwrite || !File.Exists(Path.Combine(inpainting, ModelManifestFile.FileName)))
        {
            written.Add(TinyDiffusionModelWriter.Write(inpainting, new TinyDiffusionModelOptions { Id = DemoInpaintingModelId, Inpainting = true }));
        }
        var flux = Path.Combine(directory, DemoFluxModelId);
        if (overwrite || !File.Exists(Path.Combine(flux, ModelManifestFile.FileName)))
        {
            written.Add(TinyFluxModelWriter.Write(flux, new TinyFluxModelOptions { Id = DemoFluxModelId }));
        }
        var background = Path.Combine(directory, DemoBackgroundRemovalModelId);
        if (overwrite || !File.Exists(Path.Combine(background, ModelManifestFile.FileName)))
        {
            written.Add(TinyBackgroundRemovalModelWriter.Write(background));
        }
        await registry.RescanAsync(cancellationToken);
        return written;
    }
}
