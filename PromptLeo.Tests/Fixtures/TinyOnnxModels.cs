using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptLeo.Inference;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// Writes the tiny random-weight diffusion and background-removal models once (with the production writers)
/// and loads them through the production loaders. Shared by the diffusion test classes.
/// </summary>
public sealed class TinyOnnxModels : IAsyncLifetime
{
    public const string TextToImageId = "tiny-sd";
    public const string FloatTimestepId = "tiny-sd-float-timestep";
    public const string InpaintingId = "tiny-sd-inpainting";
    public const string BackgroundRemovalId = "tiny-bg";

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "promptleo-tests", "onnx-" + Guid.NewGuid().ToString("N"));

    internal DiffusionModel TextToImage { get; private set; } = null!;
    internal DiffusionModel FloatTimestep { get; private set; } = null!;
    internal DiffusionModel Inpainting { get; private set; } = null!;
    internal BackgroundRemovalModel BackgroundRemoval { get; private set; } = null!;

    internal static ExecutionProviderSelector CpuSelector(DiffusionOptions? options = null) => new(
        Options.Create(new InferenceOptions { Device = DevicePreference.Cpu }),
        Options.Create(options ?? new DiffusionOptions()),
        NullLogger<ExecutionProviderSelector>.Instance);

    internal static DiffusionModelLoader DiffusionLoader() => DiffusionModelLoader.Create(CpuSelector(), NullLoggerFactory.Instance);

    internal static BackgroundRemovalModelLoader BackgroundLoader() => new(CpuSelector(), NullLogger<BackgroundRemovalModelLoader>.Instance);

    public string PathOf(string id) => Path.Combine(Root, id);

    public async Task InitializeAsync()
    {
        var textToImage = TinyDiffusionModelWriter.Write(PathOf(TextToImageId), new TinyDiffusionModelOptions { Id = TextToImageId });
        var floatTimestep = TinyDiffusionModelWriter.Write(PathOf(FloatTimestepId), new TinyDiffusionModelOptions
        {
            Id = FloatTimestepId, TimestepFormat = UNetTimestepFormat.FloatPerSample, Seed = 99,
        });
        var inpainting = TinyDiffusionModelWriter.Write(PathOf(InpaintingId), new TinyDiffusionModelOptions { Id = InpaintingId, Inpainting = true });
        var background = TinyBackgroundRemovalModelWriter.Write(PathOf(BackgroundRemovalId), BackgroundRemovalId, inputSize: 32);

        var loader = DiffusionLoader();
        TextToImage = (DiffusionModel)await loader.LoadAsync(textToImage, PathOf(TextToImageId), CancellationToken.None);
        FloatTimestep = (DiffusionModel)await loader.LoadAsync(floatTimestep, PathOf(FloatTimestepId), CancellationToken.None);
        Inpainting = (DiffusionModel)await loader.LoadAsync(inpainting, PathOf(InpaintingId), CancellationToken.None);
        BackgroundRemoval = (BackgroundRemovalModel)await BackgroundLoader().LoadAsync(background, PathOf(BackgroundRemovalId), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await TextToImage.DisposeAsync();
        await FloatTimestep.DisposeAsync();
        await Inpainting.DisposeAsync();
        await BackgroundRemoval.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TinyOnnxCollection : ICollectionFixture<TinyOnnxModels>
{
    public const string Name = "TinyOnnx";
}
