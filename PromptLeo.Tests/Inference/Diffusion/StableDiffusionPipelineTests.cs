using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime.Tensors;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Diffusion;

[Collection(TinyOnnxCollection.Name)]
public sealed class StableDiffusionPipelineTests(TinyOnnxModels models)
{
    private static ImageRequest Request(string modelId = TinyOnnxModels.TextToImageId) => new()
    {
        ModelId = modelId,
        Prompt = "a photo of a red cat",
        NegativePrompt = "blurry",
        Width = 64,
        Height = 64,
        Steps = 4,
        Seed = 42,
    };

    private static ImageResult Run(DiffusionModel model, ImageRequest request, IProgress<ImageProgress>? progress = null, CancellationToken token = default) =>
        new StableDiffusionPipeline(model, NullLogger.Instance).Run(new DiffusionJob(request, request.Seed ?? 1), progress, token);

    private sealed class ListProgress : IProgress<ImageProgress>
    {
        public List<ImageProgress> Reports { get; } = [];
        public Action<ImageProgress>? OnReport { get; init; }
        public void Report(ImageProgress value)
        {
            Reports.Add(value);
            OnReport?.Invoke(value);
        }
    }

    [Fact]
    public void TextToImage_64x64_ReturnsPngOfRequestedSizeWithVaryingPixels()
    {
        var result = Run(models.TextToImage, Request() with { Width = 64, Height = 48 });

        var image = Assert.Single(result.Images);
        Assert.Equal((64, 48, 42L), (image.Width, image.Height, image.Seed));
        using var bitmap = TestImages.Decode(image.Png);
        Assert.Equal((64, 48), (bitmap.Width, bitmap.Height));
        var pixels = TestImages.Pixels(image.Png);
        Assert.True(pixels.Where((_, i) => i % 4 != 3).Distinct().Count() > 10, "the image should not be flat");
        Assert.Equal(4, result.StepsRun);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void TextToImage_SameSeed_IsDeterministic_DifferentSeedOrPromptDiffers()
    {
        var first = Run(models.TextToImage, Request()).Images[0].Png;
        var again = Run(models.TextToImage, Request()).Images[0].Png;
        var otherSeed = Run(models.TextToImage, Request() with { Seed = 43 }).Images[0].Png;
        var otherPrompt = Run(models.TextToImage, Request() with { Prompt = "a dark forest at sunset" }).Images[0].Png;

        Assert.Equal(TestImages.Pixels(first), TestImages.Pixels(again));
        Assert.NotEqual(TestImages.Pixels(first), TestImages.Pixels(otherSeed));
        Assert.NotEqual(TestImages.Pixels(first), TestImages.Pixels(otherPrompt));
    }

    [Theory]
    [InlineData(SchedulerKind.Euler, 5)]
    [InlineData(SchedulerKind.EulerAncestral, 5)]
    [InlineData(SchedulerKind.Ddim, 5)]
    [InlineData(SchedulerKind.Lms, 6)]
    [InlineData(SchedulerKind.Lcm, 2)]
    public void TextToImage_EachScheduler_ReportsOneProgressPerStep(SchedulerKind scheduler, int steps)
    {
        var progress = new ListProgress();
        var result = Run(models.TextToImage, Request() with { Scheduler = scheduler, Steps = steps }, progress);

        Assert.Equal(steps, result.StepsRun);
        Assert.Equal(Enumerable.Range(1, steps), progress.Reports.Select(p => p.Step));
        Assert.All(progress.Reports, p => Assert.Equal(steps, p.TotalSteps));
        Assert.Single(result.Images);
    }

    [Fact]
    public void TextToImage_FloatPerSampleTimestepUNet_RunsWithAndWithoutGuidance()
    {
        Assert.Equal(TensorElementType.Float, models.FloatTimestep.UNet.TimestepType);
        Assert.True(models.FloatTimestep.UNet.TimestepPerSample);
        Assert.Equal(TensorElementType.Int64, models.TextToImage.UNet.TimestepType);
        Assert.False(models.TextToImage.UNet.TimestepPerSample);

        var guided = Run(models.FloatTimestep, Request(TinyOnnxModels.FloatTimestepId) with { BatchSize = 2 });
        var unguided = Run(models.FloatTimestep, Request(TinyOnnxModels.FloatTimestepId) with { GuidanceScale = 1f });

        Assert.Equal(2, guided.Images.Count);
        Assert.Single(unguided.Images);
        Assert.NotEqual(TestImages.Pixels(guided.Images[0].Png), TestImages.Pixels(unguided.Images[0].Png));
    }

    [Fact]
    public void TextToImage_GuidanceOneAndZero_SkipUnconditionalBranchAndIgnoreNegativePrompt()
    {
        var one = Run(models.TextToImage, Request() with { GuidanceScale = 1f });
        var oneOtherNegative = Run(models.TextToImage, Request() with { GuidanceScale = 1f, NegativePrompt = "ugly dark" });
        var zero = Run(models.TextToImage, Request() with { GuidanceScale = 0f, NegativePrompt = "ugly dark" });
        var guided = Run(models.TextToImage, Request() with { GuidanceScale = 7.5f });

        Assert.Equal(TestImages.Pixels(one.Images[0].Png), TestImages.Pixels(oneOtherNegative.Images[0].Png));
        Assert.Equal(TestImages.Pixels(one.Images[0].Png), TestImages.Pixels(zero.Images[0].Png));
        Assert.NotEqual(TestImages.Pixels(one.Images[0].Png), TestImages.Pixels(guided.Images[0].Png));
    }

    [Fact]
    public void TextToImage_Batch_GivesConsecutiveSeedsReproducibleAlone()
    {
        var batch = Run(models.TextToImage, Request() with { BatchSize = 3 });
        var second = Run(models.TextToImage, Request() with { Seed = 43 });

        Assert.Equal([42L, 43L, 44L], batch.Images.Select(i => i.Seed));
        Assert.Equal(TestImages.Pixels(second.Images[0].Png), TestImages.Pixels(batch.Images[1].Png));
        Assert.NotEqual(TestImages.Pixels(batch.Images[0].Png), TestImages.Pixels(batch.Images[2].Png));
    }

    [Fact]
    public void Cancellation_AfterSecondOf50Steps_StopsEarly()
    {
        using var cts = new CancellationTokenSource();
        var progress = new ListProgress { OnReport = p => { if (p.Step == 2) cts.Cancel(); } };

        Assert.ThrowsAny<OperationCanceledException>(() => Run(models.TextToImage, Request() with { Steps = 50 }, progress, cts.Token));
        Assert.Equal(2, progress.Reports.Count);
    }

    [Fact]
    public void Previews_EveryTwoSteps_AreSmallPngsAtLatentResolution()
    {
        var progress = new ListProgress();
        Run(models.TextToImage, Request() with { Steps = 5, PreviewEvery = 2 }, progress);

        var previews = progress.Reports.Where(p => p.PreviewPng is not null).ToList();
        Assert.Equal([2, 4], previews.Select(p => p.Step));
        using var preview = TestImages.Decode(previews[0].PreviewPng!);
        Assert.Equal((8, 8), (preview.Width, preview.Height));
    }

    [Fact]
    public void EmbedParameters_OnlyWhenAsked_WritesTextChunk()
    {
        var plain = Run(models.TextToImage, Request()).Images[0].Png;
        var tagged = Run(models.TextToImage, Request() with { EmbedParameters = true }).Images[0].Png;

        Assert.DoesNotContain("tEXt", TestImages.ChunkTypes(plain));
        Assert.Equal(["XML:com.adobe.xmp"], TestImages.TextChunks(plain).Select(c => c.Keyword));
        Assert.Contains("tEXt", TestImages.ChunkTypes(tagged));
        Assert.Contains("Seed: 42", System.Text.Encoding.Latin1.GetString(tagged));
        Assert.Equal(TestImages.Pixels(plain), TestImages.Pixels(tagged));
    }

    [Fact]
    public void EmbedParameters_NonLatin1Prompt_UsesUtf8TextChunk()
    {
        var png = Run(models.TextToImage, Request() with { Prompt = "ein Foto einer Katze 猫", EmbedParameters = true }).Images[0].Png;

        Assert.Contains(("iTXt", "parameters"), TestImages.TextChunks(png).Select(c => (c.Type, c.Keyword)));
        Assert.Contains("猫", System.Text.Encoding.UTF8.GetString(png), StringComparison.Ordinal);
        using var decoded = TestImages.Decode(png);
        Assert.Equal(64, decoded.Width);
    }

    [Fact]
    public void LongPrompt_IsTruncatedWithWarning()
    {
        var result = Run(models.TextToImage, Request() with { Prompt = string.Join(' ', Enumerable.Repeat("red cat", 60)) });

        Assert.Contains(result.Warnings, w => w.Contains("truncated", StringComparison.Ordinal));
        Assert.Single(result.Images);
    }

    [Fact]
    public void ImageToImage_Strength_RunsFractionOfStepsAndOutputDependsOnInitImage()
    {
        var init = TestImages.Gradient(64, 64);
        var lowAgain = RunWithInit(models.TextToImage, Request() with { Strength = 0.5f, Steps = 10, Scheduler = SchedulerKind.Ddim }, init);
        var lowRepeat = RunWithInit(models.TextToImage, Request() with { Strength = 0.5f, Steps = 10, Scheduler = SchedulerKind.Ddim }, init);
        var high = RunWithInit(models.TextToImage, Request() with { Strength = 1f, Steps = 10, Scheduler = SchedulerKind.Ddim }, init);

        Assert.Equal(5, lowAgain.StepsRun);
        Assert.Equal(TestImages.Pixels(lowAgain.Images[0].Png), TestImages.Pixels(lowRepeat.Images[0].Png));
        Assert.Equal(10, high.StepsRun);
        Assert.NotEqual(TestImages.Pixels(lowAgain.Images[0].Png), TestImages.Pixels(high.Images[0].Png));
        var otherInit = RunWithInit(models.TextToImage, Request() with { Strength = 0.5f, Steps = 10, Scheduler = SchedulerKind.Ddim }, TestImages.RightHalfMask(64, 64));
        Assert.NotEqual(TestImages.Pixels(lowAgain.Images[0].Png), TestImages.Pixels(otherInit.Images[0].Png));
    }

    [Fact]
    public void Inpainting_NineChannelUNet_RunsWithMaskAndChangesWithMask()
    {
        Assert.True(models.Inpainting.IsInpainting);
        var init = TestImages.Gradient(64, 64);
        var withMask = RunWithInit(models.Inpainting, Request(TinyOnnxModels.InpaintingId) with { Strength = 1f }, init, TestImages.RightHalfMask(64, 64));
        var fullMask = RunWithInit(models.Inpainting, Request(TinyOnnxModels.InpaintingId) with { Strength = 1f }, init, WhiteMask(64, 64));

        Assert.Equal(4, withMask.StepsRun);
        Assert.NotEqual(TestImages.Pixels(withMask.Images[0].Png), TestImages.Pixels(fullMask.Images[0].Png));
    }

    [Fact]
    public void Mask_OnTextToImageModel_IsRejectedBeforeInference()
    {
        var init = TestImages.Gradient(64, 64);
        var error = Assert.Throws<ImageRequestException>(() =>
            RunWithInit(models.TextToImage, Request(), init, TestImages.RightHalfMask(64, 64)));
        Assert.Equal(nameof(ImageRequest.Mask), error.Field);
    }

    private static byte[] WhiteMask(int width, int height)
    {
        using var bitmap = new SkiaSharp.SKBitmap(width, height);
        bitmap.Erase(SkiaSharp.SKColors.White);
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static ImageResult RunWithInit(DiffusionModel model, ImageRequest request, byte[] init, byte[]? mask = null)
    {
        request = request with { InitImage = init, Mask = mask };
        var pixels = new float[3 * request.Width * request.Height];
        using (var bitmap = TestImages.Decode(init))
        using (var rgba = bitmap.Copy(SkiaSharp.SKColorType.Rgba8888))
        {
            ImageCodec.ToPlanar(rgba, pixels, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);
        }

        float[]? maskValues = null;
        if (mask is not null)
        {
            maskValues = new float[request.Width * request.Height];
            using var bitmap = TestImages.Decode(mask);
            using var rgba = bitmap.Copy(SkiaSharp.SKColorType.Rgba8888);
            ImageCodec.ToLuminance(rgba, maskValues);
        }

        return new StableDiffusionPipeline(model, NullLogger.Instance).Run(new DiffusionJob(request, request.Seed ?? 1, pixels, maskValues), null, CancellationToken.None);
    }
}
