using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Diffusion;

[Collection(TinyOnnxCollection.Name)]
public sealed class ImageGeneratorTests(TinyOnnxModels models) : IAsyncLifetime
{
    private ServiceProvider services = null!;
    private IImageGenerator generator = null!;

    public Task InitializeAsync()
    {
        // The production registry and loaders over the fixture's models folder, as the web app wires them.
        services = TinyModels.BuildServices(models.Root, new Dictionary<string, string?>
        {
            ["Inference:Device"] = "Cpu",
            ["Inference:Diffusion:MaxUploadBytes"] = "200000",
            ["Inference:Diffusion:MaxWidth"] = "256",
            ["Inference:Diffusion:MaxHeight"] = "256",
            ["Inference:Diffusion:MaxBatchSize"] = "2",
        });
        generator = services.GetRequiredService<IImageGenerator>();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await services.DisposeAsync();

    private static ImageRequest Valid => new()
    {
        ModelId = TinyOnnxModels.TextToImageId, Prompt = "a blue house", Width = 64, Height = 64, Steps = 2, Seed = 7,
    };

    [Fact]
    public async Task GenerateAsync_ThroughRegistry_ReturnsImagesAndProgress()
    {
        var steps = new List<int>();
        var result = await generator.GenerateAsync(Valid with { BatchSize = 2 }, new SyncProgress(p => steps.Add(p.Step)));

        Assert.Equal(2, result.Images.Count);
        Assert.Equal([1, 2], steps);
        Assert.All(result.Images, i => Assert.Equal(64, TestImages.Decode(i.Png).Width));
    }

    [Fact]
    public async Task GenerateAsync_NoSeed_PicksOneThatReproducesTheImage()
    {
        var random = await generator.GenerateAsync(Valid with { Seed = null });
        var seed = random.Images[0].Seed;
        var again = await generator.GenerateAsync(Valid with { Seed = seed });

        Assert.Equal(TestImages.Pixels(random.Images[0].Png), TestImages.Pixels(again.Images[0].Png));
    }

    [Fact]
    public async Task GenerateAsync_ImageToImageAndInpainting_EndToEnd()
    {
        var img2img = await generator.GenerateAsync(Valid with { InitImage = TestImages.Gradient(100, 80), Strength = 0.5f, Steps = 4 });
        var inpaint = await generator.GenerateAsync(Valid with
        {
            ModelId = TinyOnnxModels.InpaintingId, InitImage = TestImages.Gradient(64, 64), Mask = TestImages.RightHalfMask(64, 64),
        });

        Assert.Equal(2, img2img.StepsRun);
        Assert.Equal(64, TestImages.Decode(img2img.Images[0].Png).Width);
        Assert.Single(inpaint.Images);
    }

    [Fact]
    public async Task GenerateAsync_EveryKindWithoutParameters_MarkedAsAiWithModelAndNoPrompt()
    {
        var text = await generator.GenerateAsync(Valid with { Prompt = "a unique prompt qx81" });
        var img2img = await generator.GenerateAsync(Valid with { Prompt = "a unique prompt qx82", InitImage = TestImages.Gradient(64, 64), Strength = 0.5f, Steps = 4 });
        var inpaint = await generator.GenerateAsync(Valid with
        {
            ModelId = TinyOnnxModels.InpaintingId, Prompt = "a unique prompt qx83", InitImage = TestImages.Gradient(64, 64), Mask = TestImages.RightHalfMask(64, 64),
        });

        TestImages.AssertAiMarking(text.Images[0].Png, "trainedAlgorithmicMedia", TinyOnnxModels.TextToImageId, "qx81");
        TestImages.AssertAiMarking(img2img.Images[0].Png, "trainedAlgorithmicMedia", TinyOnnxModels.TextToImageId, "qx82");
        TestImages.AssertAiMarking(inpaint.Images[0].Png, "compositeWithTrainedAlgorithmicMedia", TinyOnnxModels.InpaintingId, "qx83");
    }

    [Fact]
    public async Task GenerateAsync_WithParameters_KeepsTheMarkingNextToThem()
    {
        var result = await generator.GenerateAsync(Valid with { Prompt = "a unique prompt qx84", EmbedParameters = true });

        TestImages.AssertAiMarking(result.Images[0].Png, "trainedAlgorithmicMedia", TinyOnnxModels.TextToImageId);
        Assert.StartsWith("a unique prompt qx84", TestImages.TextChunks(result.Images[0].Png).Single(c => c.Keyword == "parameters").Text);
    }

    [Fact]
    public async Task GenerateAsync_Previews_MarkedAsGeneratedWithoutModel()
    {
        var previews = new List<byte[]>();

        await generator.GenerateAsync(Valid with { Prompt = "a unique prompt qx85", Steps = 3, PreviewEvery = 1 }, new SyncProgress(p =>
        {
            if (p.PreviewPng is { } png)
            {
                previews.Add(png);
            }
        }));

        Assert.NotEmpty(previews);
        Assert.All(previews, png => TestImages.AssertAiMarking(png, "trainedAlgorithmicMedia", null, "qx85"));
    }

    [Fact]
    public async Task RemoveBackgroundAsync_Output_MarkedAsAlgorithmicallyEnhancedByTheModel()
    {
        var png = await generator.RemoveBackgroundAsync(TinyOnnxModels.BackgroundRemovalId, TestImages.Gradient(40, 24));

        TestImages.AssertAiMarking(png, "algorithmicallyEnhanced", TinyOnnxModels.BackgroundRemovalId);
    }

    public static TheoryData<string, ImageRequest> BadRequests => new()
    {
        { nameof(ImageRequest.Width), Valid with { Width = 60 } },
        { nameof(ImageRequest.Height), Valid with { Height = 512 } },
        { nameof(ImageRequest.Width), Valid with { Width = 8 } },
        { nameof(ImageRequest.Steps), Valid with { Steps = 0 } },
        { nameof(ImageRequest.Steps), Valid with { Steps = 151 } },
        { nameof(ImageRequest.GuidanceScale), Valid with { GuidanceScale = -1 } },
        { nameof(ImageRequest.BatchSize), Valid with { BatchSize = 3 } },
        { nameof(ImageRequest.Prompt), Valid with { Prompt = "  " } },
        { nameof(ImageRequest.InitImage), Valid with { InitImage = [1, 2, 3, 4] } },
        { nameof(ImageRequest.InitImage), Valid with { InitImage = new byte[200_001] } },
        { nameof(ImageRequest.Strength), Valid with { InitImage = TestImages.Gradient(8, 8), Strength = 0 } },
        { nameof(ImageRequest.Mask), Valid with { InitImage = TestImages.Gradient(8, 8), Mask = TestImages.Gradient(8, 8) } },
        { nameof(ImageRequest.ModelId), Valid with { ModelId = TinyOnnxModels.BackgroundRemovalId } },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task GenerateAsync_BadRequest_ThrowsNamingTheField(string field, ImageRequest request)
    {
        var steps = 0;
        var error = await Assert.ThrowsAsync<ImageRequestException>(() => generator.GenerateAsync(request, new SyncProgress(_ => steps++)));

        Assert.Equal(field, error.Field);
        Assert.StartsWith(field + ":", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, steps);
    }

    [Fact]
    public async Task GenerateAsync_UnknownModel_ThrowsModelNotFound()
    {
        await Assert.ThrowsAsync<ModelNotFoundException>(() => generator.GenerateAsync(Valid with { ModelId = "nope" }));
    }

    [Fact]
    public async Task GenerateAsync_Cancelled_StopsBeforeAllSteps()
    {
        using var cts = new CancellationTokenSource();
        var steps = 0;
        var progress = new SyncProgress(p => { steps = p.Step; if (p.Step == 2) cts.Cancel(); });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => generator.GenerateAsync(Valid with { Steps = 50 }, progress, cts.Token));
        Assert.Equal(2, steps);
    }

    [Fact]
    public async Task RemoveBackgroundAsync_ReturnsRgbaPngOfInputSizeWithMaskAlpha()
    {
        var png = await generator.RemoveBackgroundAsync(TinyOnnxModels.BackgroundRemovalId, TestImages.Gradient(40, 24));

        using var bitmap = TestImages.Decode(png);
        Assert.Equal((40, 24), (bitmap.Width, bitmap.Height));
        var alpha = TestImages.Pixels(png).Where((_, i) => i % 4 == 3).ToArray();
        Assert.True(alpha.Distinct().Count() > 5, "alpha should follow the mask");
        Assert.Contains(alpha, a => a < 255);
    }

    [Fact]
    public async Task RemoveBackgroundAsync_BadInputs_AreRejected()
    {
        var notImage = await Assert.ThrowsAsync<ImageRequestException>(() => generator.RemoveBackgroundAsync(TinyOnnxModels.BackgroundRemovalId, [9, 9, 9]));
        var wrongModel = await Assert.ThrowsAsync<ImageRequestException>(() => generator.RemoveBackgroundAsync(TinyOnnxModels.TextToImageId, TestImages.Gradient(8, 8)));

        Assert.Equal("image", notImage.Field);
        Assert.Equal("modelId", wrongModel.Field);
    }

    /// <summary>Reports synchronously (Progress&lt;T&gt; would post to the thread pool and race the assertions).</summary>
    private sealed class SyncProgress(Action<ImageProgress> onReport) : IProgress<ImageProgress>
    {
        public void Report(ImageProgress value) => onReport(value);
    }
}
