using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Diffusion;

/// <summary>The tiny SDXL, its fp16 export and the Turbo variant, written by the production writer and loaded by the production loader.</summary>
public sealed class TinySdxlModels : IAsyncLifetime
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "promptleo-tests", "sdxl-" + Guid.NewGuid().ToString("N"));

    internal StableDiffusionXLModel Base { get; private set; } = null!;
    internal StableDiffusionXLModel Half { get; private set; } = null!;
    internal StableDiffusionXLModel Turbo { get; private set; } = null!;

    public string PathOf(string id) => Path.Combine(Root, id);

    internal static async Task<StableDiffusionXLModel> WriteAndLoadAsync(string directory, TinyStableDiffusionXLModelOptions options)
    {
        var manifest = TinyStableDiffusionXLModelWriter.Write(directory, options);
        return (StableDiffusionXLModel)await TinyOnnxModels.DiffusionLoader().LoadAsync(manifest, directory, CancellationToken.None);
    }

    public async Task InitializeAsync()
    {
        Base = await WriteAndLoadAsync(PathOf("sdxl"), new TinyStableDiffusionXLModelOptions { Id = "sdxl" });
        Half = await WriteAndLoadAsync(PathOf("sdxl-fp16"), new TinyStableDiffusionXLModelOptions { Id = "sdxl-fp16", Precision = TensorPrecision.Float16 });
        Turbo = await WriteAndLoadAsync(PathOf("sdxl-turbo"), new TinyStableDiffusionXLModelOptions { Id = "sdxl-turbo", Turbo = true });
    }

    public async Task DisposeAsync()
    {
        await Base.DisposeAsync();
        await Half.DisposeAsync();
        await Turbo.DisposeAsync();
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

public sealed class StableDiffusionXLPipelineTests(TinySdxlModels models) : IClassFixture<TinySdxlModels>
{
    private static ImageRequest Request(string modelId = "sdxl") => new()
    {
        ModelId = modelId,
        Prompt = "a photo of a red cat",
        Width = 64,
        Height = 48,
        Steps = 3,
        GuidanceScale = 5f,
        Seed = 42,
    };

    private static ImageResult Run(StableDiffusionXLModel model, ImageRequest request, float[]? init = null, float[]? mask = null) =>
        model.CreatePipeline(NullLogger.Instance).Run(new DiffusionJob(request, request.Seed ?? 1, init, mask), progress: null, CancellationToken.None);

    [Fact]
    public void Load_TinySdxl_IsSdxlFamilyWithPenultimateHiddenStatesAndProjectedPool()
    {
        var capabilities = models.Base.Capabilities;

        Assert.Equal(ImageModelFamily.StableDiffusionXL, capabilities.Family);
        Assert.Equal((1024, 1024, 20, 5f, (int?)null), (capabilities.DefaultWidth, capabilities.DefaultHeight, capabilities.DefaultSteps, capabilities.DefaultGuidance, capabilities.MaxSteps));
        Assert.Equal(SchedulerKind.Euler, capabilities.DefaultScheduler);
        Assert.True(capabilities.ImageToImage && capabilities.Inpainting && capabilities.NegativePrompt && capabilities.Guidance);
        Assert.Equal("float32", capabilities.Precision);
        // 2 and 3 layers: hidden_states.0..2 and .0..3, so the penultimate layers are .1 and .2.
        Assert.Equal("hidden_states.1", models.Base.TextEncoders.First.HiddenOutput);
        Assert.Equal("hidden_states.2", models.Base.TextEncoders.Second.HiddenOutput);
        Assert.Equal("text_embeds", models.Base.TextEncoders.Second.PooledOutput);
        Assert.Null(models.Base.TextEncoders.First.PooledOutput);
        Assert.Equal(0.13025f, models.Base.ScalingFactor);
        Assert.True(models.Base.ForceZerosForEmptyPrompt);
    }

    [Fact]
    public void Load_TinySdxlTurbo_ManifestDefaultsOneStepNoGuidanceEulerAncestralTrailing()
    {
        var capabilities = models.Turbo.Capabilities;

        Assert.Equal((512, 512, 1, 0f, (int?)4), (capabilities.DefaultWidth, capabilities.DefaultHeight, capabilities.DefaultSteps, capabilities.DefaultGuidance, capabilities.MaxSteps));
        Assert.False(capabilities.Guidance);
        Assert.False(capabilities.NegativePrompt);
        Assert.Equal(SchedulerKind.EulerAncestral, capabilities.DefaultScheduler);
        Assert.Equal("trailing", models.Turbo.SchedulerConfig.TimestepSpacing);
    }

    [Fact]
    public void EncodePrompt_GuidedWithoutNegative_ZeroNegativeRowsAndSizeTimeIds()
    {
        using var runOptions = new RunOptions();
        var conditioning = models.Base.EncodePrompt(Request() with { Width = 96, Height = 64 }, guided: true, [], runOptions);

        var rowLength = ClipTokenizer.SequenceLength * conditioning.HiddenSize;
        Assert.Equal(24 + 40, conditioning.HiddenSize);
        Assert.Equal(2 * rowLength, conditioning.HiddenStates.Length);
        Assert.All(conditioning.HiddenStates.Take(rowLength), v => Assert.Equal(0f, v));
        Assert.Contains(conditioning.HiddenStates.Skip(rowLength), v => v != 0f);
        var textEmbeds = Assert.Single(conditioning.Added, a => a.Name == "text_embeds");
        Assert.Equal(40, textEmbeds.Width);
        Assert.All(textEmbeds.Values.Take(40), v => Assert.Equal(0f, v));
        var timeIds = Assert.Single(conditioning.Added, a => a.Name == "time_ids");
        // (original h, w) + (crop top, left) + (target h, w), the same for the negative row.
        Assert.Equal([64f, 96f, 0f, 0f, 64f, 96f, 64f, 96f, 0f, 0f, 64f, 96f], timeIds.Values);
    }

    [Fact]
    public void EncodePrompt_ConcatenatesPenultimateStatesAndPoolsFromSecondEncoder_AsTheRawSessionsGive()
    {
        using var runOptions = new RunOptions();
        var request = Request() with { NegativePrompt = "blurry" };
        var conditioning = models.Base.EncodePrompt(request, guided: true, [], runOptions);

        var first = RawOutputs(Path.Combine(models.PathOf("sdxl"), "text_encoder", "model.onnx"), "blurry", "a photo of a red cat", isInt64: false, "hidden_states.1");
        var second = RawOutputs(Path.Combine(models.PathOf("sdxl"), "text_encoder_2", "model.onnx"), "blurry", "a photo of a red cat", isInt64: true, "hidden_states.2", "text_embeds", "last_hidden_state");
        // Row 1 (the prompt), token 5: 24 values of encoder 1, then 40 of encoder 2.
        var offset = (ClipTokenizer.SequenceLength + 5) * 64;
        Assert.Equal(first[0].AsSpan((ClipTokenizer.SequenceLength + 5) * 24, 24).ToArray(), conditioning.HiddenStates.AsSpan(offset, 24).ToArray());
        Assert.Equal(second[0].AsSpan((ClipTokenizer.SequenceLength + 5) * 40, 40).ToArray(), conditioning.HiddenStates.AsSpan(offset + 24, 40).ToArray());
        Assert.NotEqual(second[2].AsSpan((ClipTokenizer.SequenceLength + 5) * 40, 40).ToArray(), conditioning.HiddenStates.AsSpan(offset + 24, 40).ToArray());
        Assert.Equal(second[1], conditioning.Added.Single(a => a.Name == "text_embeds").Values);
    }

    [Fact]
    public void Tokenizers_SecondPadsWithExclamationMarkFirstWithEndOfText()
    {
        var first = ClipTokenizer.Load(Path.Combine(models.PathOf("sdxl"), "tokenizer")).Encode("a cat").Ids;
        var second = ClipTokenizer.Load(Path.Combine(models.PathOf("sdxl"), "tokenizer_2"));

        // SDXL's tokenizer_2 pads with "!" (id 0 in real CLIP's vocabulary; the tiny vocabulary orders bytes differently).
        var vocabulary = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(models.PathOf("sdxl"), "tokenizer_2", "vocab.json")))!;
        Assert.Equal(vocabulary["!"], second.Pad);
        var ids = second.Encode("a cat").Ids;
        Assert.Equal(second.EndOfText, ids[3]);
        Assert.All(ids[4..], id => Assert.Equal(vocabulary["!"], id));
        Assert.All(first[4..], id => Assert.Equal(first[3], id));
    }

    [Fact]
    public void TextToImage_Guided_DeterministicPngOfRequestedSize_PromptAndSizeConditioningMatter()
    {
        var first = Run(models.Base, Request());
        var again = Run(models.Base, Request());
        var otherPrompt = Run(models.Base, Request() with { Prompt = "a dark forest at sunset" });

        var image = Assert.Single(first.Images);
        Assert.Equal((64, 48), (image.Width, image.Height));
        Assert.Equal(3, first.StepsRun);
        Assert.Equal(TestImages.Pixels(image.Png), TestImages.Pixels(again.Images[0].Png));
        Assert.NotEqual(TestImages.Pixels(image.Png), TestImages.Pixels(otherPrompt.Images[0].Png));
        Assert.True(TestImages.Pixels(image.Png).Where((_, i) => i % 4 != 3).Distinct().Count() > 10, "the image should not be flat");
    }

    [Fact]
    public void TextToImage_BatchOfTwo_EachImageEqualsItsSeedAlone()
    {
        var batch = Run(models.Base, Request() with { BatchSize = 2 });
        var first = Run(models.Base, Request());
        var second = Run(models.Base, Request() with { Seed = 43 });

        Assert.Equal(TestImages.Pixels(first.Images[0].Png), TestImages.Pixels(batch.Images[0].Png));
        Assert.Equal(TestImages.Pixels(second.Images[0].Png), TestImages.Pixels(batch.Images[1].Png));
    }

    [Fact]
    public void TextToImage_Float16Export_MatchesFloat32WithinRounding()
    {
        var full = Run(models.Base, Request());
        var half = Run(models.Half, Request() with { ModelId = "sdxl-fp16" });

        Assert.Equal("float16", models.Half.Capabilities.Precision);
        Assert.Equal(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16, models.Half.UNet.SampleType);
        Assert.True(TestImages.MeanAbsoluteDifference(full.Images[0].Png, half.Images[0].Png) < 6.0);
    }

    [Fact]
    public void Turbo_OneStepWithoutGuidance_GeneratesAndIgnoresNegativePrompt()
    {
        var request = Request("sdxl-turbo") with { Steps = 1, GuidanceScale = 0, Scheduler = SchedulerKind.EulerAncestral };
        var result = Run(models.Turbo, request);
        var withNegative = Run(models.Turbo, request with { NegativePrompt = "blurry" });

        Assert.Equal(1, result.StepsRun);
        Assert.Equal(TestImages.Pixels(result.Images[0].Png), TestImages.Pixels(withNegative.Images[0].Png));
    }

    [Fact]
    public void Progress_PreviewEveryStep_LatentSizedPreviewsBeforeTheLastStep()
    {
        var reports = new List<ImageProgress>();
        models.Base.CreatePipeline(NullLogger.Instance).Run(
            new DiffusionJob(Request() with { PreviewEvery = 1 }, 42), new Recorder(reports), CancellationToken.None);

        Assert.Equal([1, 2, 3], reports.Select(r => r.Step));
        Assert.All(reports.Take(2), r => Assert.Equal((8, 6), Size(r.PreviewPng!)));
        Assert.Null(reports[2].PreviewPng);
    }

    [Fact]
    public void RenderPreview_ZeroLatents_SdxlBiasColour()
    {
        // ComfyUI's SDXL latent→RGB bias (0.1084, −0.0175, −0.0011) mapped from [-1,1] to bytes: (1 + b)·127.5 + 0.5.
        var png = models.Base.RenderPreview(new float[4], 1, 1);

        Assert.Equal([141, 125, 127, 255], TestImages.Pixels(png));
    }

    private static (int, int) Size(byte[] png)
    {
        using var bitmap = TestImages.Decode(png);
        return (bitmap.Width, bitmap.Height);
    }

    private sealed class Recorder(List<ImageProgress> reports) : IProgress<ImageProgress>
    {
        public void Report(ImageProgress value) => reports.Add(value);
    }

    [Fact]
    public void ImageToImage_Strength_RunsOnlyTheLastSteps()
    {
        var init = Gradient(64, 48);
        var result = Run(models.Base, Request() with { Steps = 4, Strength = 0.5f, InitImage = [1] }, init);

        Assert.Equal(2, result.StepsRun);
    }

    [Fact]
    public void Inpaint_FourChannelUNet_KeepsUnmaskedLatentsAndRepaintsMaskedOnes()
    {
        var init = Gradient(64, 64);
        var mask = new float[64 * 64];
        for (var y = 0; y < 64; y++)
        {
            for (var x = 32; x < 64; x++)
            {
                mask[y * 64 + x] = 1f;
            }
        }

        var request = Request() with { Width = 64, Height = 64, Steps = 3, Strength = 1f, InitImage = [1], Mask = [1] };
        var first = TestImages.Pixels(Run(models.Base, request, init, mask).Images[0].Png);
        var second = TestImages.Pixels(Run(models.Base, request with { Seed = 7 }, init, mask).Images[0].Png);

        // Left of x = 16 the decoder's 3×3 latent neighbourhood holds only kept latents: identical for any seed.
        Assert.Equal(Region(first, 0, 16), Region(second, 0, 16));
        Assert.NotEqual(Region(first, 40, 64), Region(second, 40, 64));
    }

    private static byte[] Region(byte[] rgba, int fromX, int toX) =>
        Enumerable.Range(0, 64).SelectMany(y => rgba.AsSpan((y * 64 + fromX) * 4, (toX - fromX) * 4).ToArray()).ToArray();

    private static float[] Gradient(int width, int height)
    {
        var pixels = new float[3 * width * height];
        for (var i = 0; i < width * height; i++)
        {
            pixels[i] = (i % width) / (float)width * 2 - 1;
            pixels[width * height + i] = (i / width) / (float)height * 2 - 1;
            pixels[2 * width * height + i] = 0.2f;
        }

        return pixels;
    }

    private List<float[]> RawOutputs(string path, string negative, string prompt, bool isInt64, params string[] outputs)
    {
        var tokenizer = ClipTokenizer.Load(Path.Combine(models.PathOf("sdxl"), isInt64 ? "tokenizer_2" : "tokenizer"));
        var ids = tokenizer.Encode(negative).Ids.Concat(tokenizer.Encode(prompt).Ids).ToArray();
        using var session = new InferenceSession(path);
        using var input = isInt64
            ? OrtValue.CreateTensorValueFromMemory(ids.Select(i => (long)i).ToArray(), [2, ClipTokenizer.SequenceLength])
            : OrtValue.CreateTensorValueFromMemory(ids, [2, ClipTokenizer.SequenceLength]);
        using var results = session.Run(new RunOptions(), ["input_ids"], [input], outputs);
        return results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToList();
    }
}
