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
        builder.Services.AddSingleton<ModelAvailability>();
        builder.Services.AddSingleton<ModelAdministration>();
        builder.Services.AddSingleton<ModelInstallJobs>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ModelInstallJobs>());
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

/// <summary>Every demo model the portal writes: chat, embedding, text-to-image (SD, SDXL/SDXL-Turbo and FLUX.1-schnell), inpainting and background removal.</summary>
public sealed class DemoModelSet(IOptions<InferenceOptions> options, IModelRegistry registry)
{
    public const string DemoDiffusionModelId = "demo-sd-tiny";
    public const string DemoInpaintingModelId = "demo-sd-tiny-inpainting";
    public const string DemoSdxlModelId = "demo-sdxl-tiny";
    public const string DemoSdxlTurboModelId = "demo-sdxl-turbo-tiny";
    public const string DemoBackgroundRemovalModelId = "demo-background-removal";
    public const string DemoFluxModelId = "demo-flux-schnell-tiny";

    public async Task<IReadOnlyList<ModelManifest>> WriteAllAsync(bool overwrite, CancellationToken cancellationToken = default)
    {
        var directory = options.Value.ModelsDirectory;
        var written = new List<ModelManifest>
        {
            await DemoModelInstaller.WriteDemoChatModelFilesAsync(directory, overwrite, cancellationToken),
            await DemoEmbeddingModelWriter.WriteDemoFilesAsync(directory, overwrite, cancellationToken),
        };
        (string Id, Func<string, ModelManifest> Write)[] models =
        [
            (DemoDiffusionModelId, folder => TinyDiffusionModelWriter.Write(folder, new TinyDiffusionModelOptions { Id = DemoDiffusionModelId })),
            (DemoInpaintingModelId, folder => TinyDiffusionModelWriter.Write(folder, new TinyDiffusionModelOptions { Id = DemoInpaintingModelId, Inpainting = true })),
            (DemoSdxlModelId, folder => TinyStableDiffusionXLModelWriter.Write(folder, new TinyStableDiffusionXLModelOptions { Id = DemoSdxlModelId })),
            (DemoSdxlTurboModelId, folder => TinyStableDiffusionXLModelWriter.Write(folder, new TinyStableDiffusionXLModelOptions { Id = DemoSdxlTurboModelId, Turbo = true })),
            (DemoFluxModelId, folder => TinyFluxModelWriter.Write(folder, new TinyFluxModelOptions { Id = DemoFluxModelId })),
            (DemoBackgroundRemovalModelId, folder => TinyBackgroundRemovalModelWriter.Write(folder)),
        ];
        foreach (var (id, write) in models)
        {
            var folder = Path.Combine(directory, id);
            if (overwrite || !File.Exists(Path.Combine(folder, ModelManifestFile.FileName)))
            {
                written.Add(write(folder));
            }
        }

        await registry.RescanAsync(cancellationToken);
        return written;
    }
}
