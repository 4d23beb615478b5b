using Microsoft.Extensions.Logging.Abstractions;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Diffusion.Flux;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Diffusion.Flux;

[Collection(TinyFluxCollection.Name)]
public sealed class FluxPipelineTests(TinyFluxModels models)
{
    private const int Size = 64;

    private static ImageRequest Request(string modelId) => new()
    {
        ModelId = modelId, Prompt = "a red house in the forest", Width = Size, Height = Size, Steps = 4, GuidanceScale = 0,
        Scheduler = SchedulerKind.FlowMatchEuler,
    };

    private static ImageResult Run(FluxModel model, ImageRequest request, long seed = 7, float[]? init = null, float[]? mask = null,
        IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default) =>
        model.CreatePipeline(NullLogger.Instance).Run(new DiffusionJob(request, seed, init, mask), progress, cancellationToken);

    [Fact]
    public void Capabilities_Schnell_DistilledFlowMatchWithoutGuidance()
    {
        var capabilities = models.Schnell.Capabilities;

        Assert.Equal(ImageModelFamily.Flux, capabilities.Family);
        Assert.Equal([SchedulerKind.FlowMatchEuler], capabilities.Schedulers);
        Assert.Equal(4, capabilities.DefaultSteps);
        Assert.Equal(4, capabilities.MaxSteps);
        Assert.False(capabilities.Guidance);
        Assert.False(capabilities.NegativePrompt);
        Assert.True(capabilities.ImageToImage);
        Assert.True(capabilities.Inpainting);
        Assert.Equal("float32", capabilities.Precision);
        Assert.Equal("float16", models.SchnellHalf.Capabilities.Precision);
        Assert.Equal(FluxModelLoader.SchnellSequenceLength, models.Schnell.TextSequenceLength);
        Assert.Equal(16, models.Schnell.LatentChannels);
        Assert.Equal(new FluxLatentScaling(0.3611f, 0.1159f), models.Schnell.Scaling);
    }

    [Fact]
    public void Capabilities_Dev_UsesGuidanceAndLongerText()
    {
        var capabilities = models.Dev.Capabilities;

        Assert.True(capabilities.Guidance);
        Assert.False(capabilities.NegativePrompt);
        Assert.Equal(3.5f, capabilities.DefaultGuidance);
        Assert.Null(capabilities.MaxSteps);
        Assert.True(models.Dev.Transformer.HasGuidance);
        Assert.False(models.Schnell.Transformer.HasGuidance);
        Assert.Equal(FluxModelLoader.DevSequenceLength, models.Dev.TextSequenceLength);
        Assert.True(models.Dev.SchedulerConfig.UseDynamicShifting);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Run_Float16Export_MatchesFloat32WithinRounding(bool dev)
    {
        var (full, half) = dev ? (models.Dev, models.DevHalf) : (models.Schnell, models.SchnellHalf);
        var request = Request(full.Manifest.Id) with { GuidanceScale = dev ? 3.5f : 0 };

        var a = Run(full, request).Images[0];
        var b = Run(half, request).Images[0];

        Assert.Equal(Size, TestImages.Decode(b.Png).Width);
        var difference = MeanAbsoluteDifference(a.Png, b.Png);
        Assert.True(difference < 6.0, $"mean difference {difference}");
        Assert.True(ModelFolder.WeightBytes(models.PathOf(half.Manifest.Id)) < ModelFolder.WeightBytes(models.PathOf(full.Manifest.Id)) * 0.6);
    }

    [Fact]
    public void Run_SameSeed_SameImage_OtherSeed_OtherImage()
    {
        var first = Run(models.Schnell, Request(TinyFluxModels.SchnellId), seed: 11);
        var again = Run(models.Schnell, Request(TinyFluxModels.SchnellId), seed: 11);
        var other = Run(models.Schnell, Request(TinyFluxModels.SchnellId), seed: 12);

        Assert.Equal(TestImages.Pixels(first.Images[0].Png), TestImages.Pixels(again.Images[0].Png));
        Assert.NotEqual(TestImages.Pixels(first.Images[0].Png), TestImages.Pixels(other.Images[0].Png));
        Assert.Equal(4, first.StepsRun);
    }

    [Fact]
    public void Run_Prompt_ChangesTheImage()
    {
        var house = Run(models.Schnell, Request(TinyFluxModels.SchnellId));
        var cat = Run(models.Schnell, Request(TinyFluxModels.SchnellId) with { Prompt = "a cat on the sea" });

        Assert.NotEqual(TestImages.Pixels(house.Images[0].Png), TestImages.Pixels(cat.Images[0].Png));
    }

    [Fact]
    public void Run_GuidanceScale_ChangesDevButNotSchnell()
    {
        var devLow = Run(models.Dev, Request(TinyFluxModels.DevId) with { GuidanceScale = 1f });
        var devHigh = Run(models.Dev, Request(TinyFluxModels.DevId) with { GuidanceScale = 8f });
        var schnellLow = Run(models.Schnell, Request(TinyFluxModels.SchnellId) with { GuidanceScale = 1f });
        var schnellHigh = Run(models.Schnell, Request(TinyFluxModels.SchnellId) with { GuidanceScale = 8f });

        Assert.NotEqual(TestImages.Pixels(devLow.Images[0].Png), TestImages.Pixels(devHigh.Images[0].Png));
        Assert.Equal(TestImages.Pixels(schnellLow.Images[0].Png), TestImages.Pixels(schnellHigh.Images[0].Png));
    }

    [Fact]
    public void Run_Batch_EachImageMatchesItsOwnSeed()
    {
        var batch = Run(models.Schnell, Request(TinyFluxModels.SchnellId) with { BatchSize = 2 }, seed: 20);
        var second = Run(models.Schnell, Request(TinyFluxModels.SchnellId), seed: 21);

        Assert.Equal([20L, 21L], batch.Images.Select(i => i.Seed));
        Assert.Equal(TestImages.Pixels(second.Images[0].Png), TestImages.Pixels(batch.Images[1].Png));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task Run_OlderIdLayouts_SameImageAsOptimumLayout(bool batchedIds, bool floatingIds)
    {
        await using var legacy = await models.WriteAndLoadAsync(new TinyFluxModelOptions
        {
            Id = $"tiny-flux-ids-{batchedIds}-{floatingIds}", BatchedIds = batchedIds, FloatingIds = floatingIds,
        });

        var expected = Run(models.Schnell, Request(TinyFluxModels.SchnellId) with { BatchSize = 2 });
        var actual = Run(legacy, Request(legacy.Manifest.Id) with { BatchSize = 2 });

        Assert.Equal(TestImages.Pixels(expected.Images[1].Png), TestImages.Pixels(actual.Images[1].Png));
    }

    [Theory]
    [InlineData(0.5f, 2)]
    [InlineData(1.0f, 4)]
    [InlineData(0.3f, 2)]
    public void Run_ImageToImage_RunsTheStrengthShareOfSteps(float strength, int expectedSteps)
    {
        var steps = new List<int>();
        var result = Run(models.Schnell, Request(TinyFluxModels.SchnellId) with { InitImage = [1], Strength = strength }, init: Gradient(),
            progress: new SyncProgress(p => steps.Add(p.TotalSteps)));

        Assert.Equal(expectedSteps, result.StepsRun);
        Assert.All(steps, total => Assert.Equal(expectedSteps, total));
    }

    [Fact]
    public void Run_Inpainting_KeepsTheUnmaskedRegionWhateverTheSeed()
    {
        var request = Request(TinyFluxModels.SchnellId) with { InitImage = [1], Mask = [1], Strength = 1f };
        var a = TestImages.Decode(Run(models.Schnell, request, seed: 1, init: Gradient(), mask: RightHalf()).Images[0].Png);
        var b = TestImages.Decode(Run(models.Schnell, request, seed: 2, init: Gradient(), mask: RightHalf()).Images[0].Png);

        // Outside the mask the final latents are the input image's; the decoder's 3×3 latent kernel reaches one
        // latent pixel (8 px) across the mask edge at x = 32, so x < 24 must match exactly and the masked half must not.
        var keptEqual = true;
        var repaintedEqual = true;
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var same = a.GetPixel(x, y) == b.GetPixel(x, y);
                if (x < 24)
                {
                    keptEqual &= same;
                }
                else if (x >= 40)
                {
                    repaintedEqual &= same;
                }
            }
        }

        Assert.True(keptEqual);
        Assert.False(repaintedEqual);
    }

    [Fact]
    public void Run_PreviewEvery_ReportsSixteenChannelPreviewsAtLatentSize()
    {
        var previews = new List<byte[]>();
        Run(models.Schnell, Request(TinyFluxModels.SchnellId) with { PreviewEvery = 1 },
            progress: new SyncProgress(p => { if (p.PreviewPng is { } png) previews.Add(png); }));

        // Every step but the last: the final image follows right after.
        Assert.Equal(3, previews.Count);
        Assert.All(previews, png => Assert.Equal(Size / 8, TestImages.Decode(png).Width));
    }

    [Fact]
    public void Run_NegativePromptAndLongPrompt_AreReportedAsWarnings()
    {
        var prompt = string.Join(' ', Enumerable.Repeat("cat", 300));
        var result = Run(models.Schnell, Request(TinyFluxModels.SchnellId) with { Prompt = prompt, NegativePrompt = "blurry" });

        Assert.Contains(result.Warnings, w => w.Contains("negative prompt", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("255 T5 tokens", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("CLIP tokens", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_EmbedParameters_WritesFlowMatchSamplerAndGuidanceForDev()
    {
        var result = Run(models.Dev, Request(TinyFluxModels.DevId) with { EmbedParameters = true, GuidanceScale = 3.5f });

        var text = System.Text.Encoding.Latin1.GetString(result.Images[0].Png);
        Assert.Contains("Sampler: FlowMatchEuler, Guidance: 3.5", text);
        Assert.DoesNotContain("Negative prompt", text);
    }

    [Theory]
    [InlineData(72, 64, nameof(ImageRequest.Width))]
    [InlineData(64, 40, nameof(ImageRequest.Height))]
    public void ValidateFor_SizeNotMultipleOfSixteen_NamesTheField(int width, int height, string field)
    {
        var pipeline = models.Schnell.CreatePipeline(NullLogger.Instance);

        var ex = Assert.Throws<ImageRequestException>(() => pipeline.ValidateFor(Request(TinyFluxModels.SchnellId) with { Width = width, Height = height }));

        Assert.Equal(field, ex.Field);
        Assert.Contains("multiple of 16", ex.Message);
    }

    [Fact]
    public void ValidateFor_MaskWithoutImage_Refused()
    {
        var pipeline = models.Schnell.CreatePipeline(NullLogger.Instance);

        var ex = Assert.Throws<ImageRequestException>(() => pipeline.ValidateFor(Request(TinyFluxModels.SchnellId) with { Mask = [1] }));

        Assert.Equal(nameof(ImageRequest.Mask), ex.Field);
    }

    [Fact]
    public async Task Load_WithoutVaeEncoder_CannotStartFromAnImage()
    {
        await using var model = await models.WriteAndLoadAsync(new TinyFluxModelOptions { Id = "tiny-flux-no-encoder", VaeEncoder = false });

        Assert.False(model.Capabilities.ImageToImage);
        Assert.False(model.Capabilities.Inpainting);
        var ex = Assert.Throws<ImageRequestException>(() => model.CreatePipeline(NullLogger.Instance).ValidateFor(Request(model.Manifest.Id) with { InitImage = [1] }));
        Assert.Equal(nameof(ImageRequest.InitImage), ex.Field);
    }

    [Fact]
    public void Run_Cancelled_Throws()
    {
        using var source = new CancellationTokenSource();
        source.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => Run(models.Schnell, Request(TinyFluxModels.SchnellId), cancellationToken: source.Token));
    }

    [Theory]
    [InlineData("tokenizer_2/spiece.model", "tokenizer_2: spiece.model missing")]
    [InlineData("transformer/model.onnx", "transformer/model.onnx: file missing.")]
    public async Task Load_MissingFile_NamesIt(string file, string expectedStart)
    {
        var id = "broken-" + file.Replace('/', '-');
        var directory = Path.Combine(models.Root, id);
        var manifest = TinyFluxModelWriter.Write(directory, new TinyFluxModelOptions { Id = id });
        File.Delete(Path.Combine(directory, file));

        var ex = await Assert.ThrowsAsync<ModelLoadException>(() => TinyOnnxModels.DiffusionLoader().LoadAsync(manifest, directory, CancellationToken.None));

        Assert.StartsWith(expectedStart, ex.Message);
    }

    [Fact]
    public async Task Load_ManifestWithoutSizeButWithOverrides_Uses1024AndTheOverrides()
    {
        var directory = models.PathOf(TinyFluxModels.SchnellId);
        var manifest = await ModelManifestFile.ReadAsync(directory) with
        {
            DefaultParameters = new Dictionary<string, double> { ["max_sequence_length"] = 64, ["max_steps"] = 8 },
        };

        await using var model = (FluxModel)await TinyOnnxModels.DiffusionLoader().LoadAsync(manifest, directory, CancellationToken.None);

        Assert.Equal(64, model.TextSequenceLength);
        Assert.Equal(8, model.Capabilities.MaxSteps);
        Assert.Equal((1024, 1024, 4), (model.Capabilities.DefaultWidth, model.Capabilities.DefaultHeight, model.Capabilities.DefaultSteps));
        Assert.Equal(4, Run(model, Request(manifest.Id)).StepsRun);
    }

    [Fact]
    public async Task Load_DevManifestWithoutParameters_UsesDiffusersDefaults()
    {
        var directory = models.PathOf(TinyFluxModels.DevId);
        var manifest = await ModelManifestFile.ReadAsync(directory) with { DefaultParameters = new Dictionary<string, double>() };

        await using var model = (FluxModel)await TinyOnnxModels.DiffusionLoader().LoadAsync(manifest, directory, CancellationToken.None);

        // diffusers FluxPipeline: 28 steps, guidance 3.5; no step cap for dev.
        Assert.Equal((28, 3.5f, (int?)null, 1024), (model.Capabilities.DefaultSteps, model.Capabilities.DefaultGuidance, model.Capabilities.MaxSteps, model.Capabilities.DefaultWidth));
    }

    [Fact]
    public void ModelIndex_TinyFluxWriter_IsTheFluxFamily()
    {
        Assert.Equal(ImageModelFamily.Flux, DiffusionModelIndex.Read(models.PathOf(TinyFluxModels.SchnellId)).Family);
    }

    private static float[] Gradient()
    {
        var pixels = new float[3 * Size * Size];
        for (var i = 0; i < Size * Size; i++)
        {
            pixels[i] = (i % Size) / (Size - 1f) * 2 - 1;
            pixels[Size * Size + i] = (i / Size) / (Size - 1f) * 2 - 1;
        }

        return pixels;
    }

    private static float[] RightHalf() => Enumerable.Range(0, Size * Size).Select(i => i % Size >= Size / 2 ? 1f : 0f).ToArray();

    private static double MeanAbsoluteDifference(byte[] a, byte[] b)
    {
        var first = TestImages.Pixels(a);
        var second = TestImages.Pixels(b);
        return first.Zip(second).Average(p => (double)Math.Abs(p.First - p.Second)) * 4 / 3;
    }

    private sealed class SyncProgress(Action<ImageProgress> onReport) : IProgress<ImageProgress>
    {
        public void Report(ImageProgress value) => onReport(value);
    }
}
