using Microsoft.Extensions.Logging.Abstractions;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Diffusion;

/// <summary>SD 2.1 (768-v) and SD-Turbo layouts in float32 and float16, loaded and run through the production loader.</summary>
public sealed class StableDiffusionVariantsTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "promptleo-tests", "variants-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData(TensorPrecision.Float32, "float32")]
    [InlineData(TensorPrecision.Float16, "float16")]
    public async Task Sd21_Load_DescribesV768DdimAndGeneratesAtNativeSize(TensorPrecision precision, string precisionName)
    {
        await using var model = await LoadAsync(TinyDiffusionModelOptions.Sd21("sd21", precision));
        var capabilities = model.Capabilities;

        Assert.Equal(ImageModelFamily.StableDiffusion, capabilities.Family);
        Assert.Equal((768, 768, 20, 7.5f), (capabilities.DefaultWidth, capabilities.DefaultHeight, capabilities.DefaultSteps, capabilities.DefaultGuidance));
        // The release ships a DDIMScheduler config, so DDIM is the default, as in diffusers.
        Assert.Equal(SchedulerKind.Ddim, capabilities.DefaultScheduler);
        Assert.True(capabilities.NegativePrompt && capabilities.Guidance && capabilities.ImageToImage);
        Assert.Null(capabilities.MaxSteps);
        Assert.Equal(precisionName, capabilities.Precision);
        Assert.Equal(1024, ((DiffusionModel)model).TextEncoder.Session.OutputMetadata[TextEncoder.OutputName].Dimensions[2]);

        var image = Run(model, DefaultsOf(capabilities, "a red house", steps: 2));
        Assert.Equal((768, 768), (image.Width, image.Height));
    }

    [Theory]
    [InlineData(TensorPrecision.Float32, "float32")]
    [InlineData(TensorPrecision.Float16, "float16")]
    public async Task Turbo_Load_DescribesOneStepWithoutGuidance(TensorPrecision precision, string precisionName)
    {
        await using var model = await LoadAsync(TinyDiffusionModelOptions.Turbo("turbo", precision));
        var capabilities = model.Capabilities;

        Assert.Equal((512, 512, 1, 0f, 4), (capabilities.DefaultWidth, capabilities.DefaultHeight, capabilities.DefaultSteps, capabilities.DefaultGuidance, capabilities.MaxSteps));
        Assert.False(capabilities.NegativePrompt);
        Assert.False(capabilities.Guidance);
        Assert.Equal(SchedulerKind.Euler, capabilities.DefaultScheduler);
        Assert.Equal(precisionName, capabilities.Precision);

        var progress = new List<ImageProgress>();
        var image = Run(model, DefaultsOf(capabilities, "a blue car"), new SyncProgress(progress.Add));
        Assert.Equal((512, 512), (image.Width, image.Height));
        Assert.Equal([1], progress.Select(p => p.TotalSteps).Distinct());
    }

    [Fact]
    public async Task Sd15_ManifestWithoutDefaults_Describes512TwentyStepsGuidedEuler()
    {
        var directory = Path.Combine(root, "sd15");
        var manifest = TinyDiffusionModelWriter.Write(directory, new TinyDiffusionModelOptions { Id = "sd15" }) with { DefaultParameters = new Dictionary<string, double>() };
        await using var model = (IDiffusionModel)await TinyOnnxModels.DiffusionLoader().LoadAsync(manifest, directory, CancellationToken.None);

        var c = model.Capabilities;

        Assert.Equal((512, 512, 20, 7.5f, (int?)null), (c.DefaultWidth, c.DefaultHeight, c.DefaultSteps, c.DefaultGuidance, c.MaxSteps));
        // SD 1.5 ships a PNDM config, which is not implemented: Euler leads.
        Assert.Equal([SchedulerKind.Euler, SchedulerKind.EulerAncestral, SchedulerKind.Ddim, SchedulerKind.Lms, SchedulerKind.Lcm], c.Schedulers);
        Assert.True(c.NegativePrompt && c.Guidance);
    }

    [Fact]
    public async Task Turbo_WithoutGuidance_IgnoresTheNegativePrompt()
    {
        await using var model = await LoadAsync(TinyDiffusionModelOptions.Turbo("turbo"));
        var request = DefaultsOf(model.Capabilities, "a blue car") with { Width = 64, Height = 64 };

        Assert.Equal(Run(model, request).Png, Run(model, request with { NegativePrompt = "blurry dark" }).Png);
        Assert.NotEqual(Run(model, request with { GuidanceScale = 7.5f }).Png, Run(model, request with { GuidanceScale = 7.5f, NegativePrompt = "blurry dark" }).Png);
    }

    [Fact]
    public async Task Sd21_PredictionTypeFromConfig_ChangesTheImage()
    {
        // Same weights and seed; only scheduler_config.json's prediction_type differs, so the config reaches every step.
        var options = TinyDiffusionModelOptions.Sd21("sd21");
        await using var vModel = await LoadAsync(options, "v");
        var vImage = Run(vModel, DefaultsOf(vModel.Capabilities, "a red house", steps: 2) with { Width = 64, Height = 64 });

        var epsilonDirectory = Path.Combine(root, "epsilon");
        TinyDiffusionModelWriter.Write(epsilonDirectory, options);
        var config = Path.Combine(epsilonDirectory, "scheduler", "scheduler_config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("v_prediction", "epsilon", StringComparison.Ordinal));
        await using var epsilonModel = (IDiffusionModel)await TinyOnnxModels.DiffusionLoader().LoadAsync(
            TinyDiffusionModelWriter.Write(Path.Combine(root, "unused"), options), epsilonDirectory, CancellationToken.None);
        var epsilonImage = Run(epsilonModel, DefaultsOf(epsilonModel.Capabilities, "a red house", steps: 2) with { Width = 64, Height = 64 });

        Assert.NotEqual(vImage.Png, epsilonImage.Png);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Variants_Float16_MatchFloat32WithinRounding(bool turbo)
    {
        TinyDiffusionModelOptions Options(TensorPrecision p) => turbo ? TinyDiffusionModelOptions.Turbo("t", p) : TinyDiffusionModelOptions.Sd21("t", p);
        await using var full = await LoadAsync(Options(TensorPrecision.Float32), "full");
        await using var half = await LoadAsync(Options(TensorPrecision.Float16), "half");
        var request = DefaultsOf(full.Capabilities, "a red house", steps: 2) with { Width = 64, Height = 64 };

        var difference = TestImages.MeanAbsoluteDifference(Run(full, request).Png, Run(half, request).Png);

        Assert.True(difference < 6.0, $"mean difference {difference}");
    }

    private async Task<IDiffusionModel> LoadAsync(TinyDiffusionModelOptions options, string? folder = null)
    {
        var directory = Path.Combine(root, folder ?? options.Id);
        var manifest = TinyDiffusionModelWriter.Write(directory, options);
        return (IDiffusionModel)await TinyOnnxModels.DiffusionLoader().LoadAsync(manifest, directory, CancellationToken.None);
    }

    private static ImageRequest DefaultsOf(ImageModelCapabilities c, string prompt, int? steps = null) => new()
    {
        ModelId = "m", Prompt = prompt, Width = c.DefaultWidth, Height = c.DefaultHeight, Steps = steps ?? c.DefaultSteps,
        GuidanceScale = c.DefaultGuidance, Scheduler = c.DefaultScheduler,
    };

    private static GeneratedImage Run(IDiffusionModel model, ImageRequest request, IProgress<ImageProgress>? progress = null) =>
        model.CreatePipeline(NullLogger.Instance).Run(new DiffusionJob(request, Seed: 11), progress, CancellationToken.None).Images[0];

    private sealed class SyncProgress(Action<ImageProgress> report) : IProgress<ImageProgress>
    {
        public void Report(ImageProgress value) => report(value);
    }
}
