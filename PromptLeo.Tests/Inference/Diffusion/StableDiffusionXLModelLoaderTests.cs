using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Diffusion;

public sealed class StableDiffusionXLModelLoaderTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "promptleo-tests", "sdxl-loader-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private string Sdxl => Path.Combine(root, "sdxl");

    private string Sd => Path.Combine(root, "sd");

    private Task<ILoadedModel> LoadAsync(ModelManifest manifest) => TinyOnnxModels.DiffusionLoader().LoadAsync(manifest, Sdxl, CancellationToken.None);

    [Fact]
    public async Task Load_SdxlFolder_PickedByModelIndexAndLoadedAsSdxl()
    {
        var manifest = TinyStableDiffusionXLModelWriter.Write(Sdxl);

        await using var model = await LoadAsync(manifest);

        Assert.Equal(ImageModelFamily.StableDiffusionXL, DiffusionModelIndex.Read(Sdxl).Family);
        Assert.IsType<StableDiffusionXLModel>(model);
    }

    [Fact]
    public async Task Load_TextEncoderWithoutHiddenStates_NamesFileAndTheMissingOutputs()
    {
        var manifest = TinyStableDiffusionXLModelWriter.Write(Sdxl);
        TinyDiffusionModelWriter.Write(Sd, new TinyDiffusionModelOptions { TextHiddenSize = 24 });
        // SD's encoder has last_hidden_state and pooler_output only, as an export without output_hidden_states.
        File.Copy(Path.Combine(Sd, "text_encoder", "model.onnx"), Path.Combine(Sdxl, "text_encoder", "model.onnx"), overwrite: true);

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => LoadAsync(manifest));

        Assert.StartsWith("text_encoder/model.onnx: outputs 'hidden_states.N' missing (has: last_hidden_state, pooler_output)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_SecondEncoderWithoutProjection_NamesTextEmbeds()
    {
        var manifest = TinyStableDiffusionXLModelWriter.Write(Sdxl);
        File.Copy(Path.Combine(Sdxl, "text_encoder", "model.onnx"), Path.Combine(Sdxl, "text_encoder_2", "model.onnx"), overwrite: true);

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => LoadAsync(manifest));

        Assert.StartsWith("text_encoder_2/model.onnx: output 'text_embeds' missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_SdUNetInSdxlFolder_NamesMissingTextEmbedsInput()
    {
        var manifest = TinyStableDiffusionXLModelWriter.Write(Sdxl);
        TinyDiffusionModelWriter.Write(Sd, new TinyDiffusionModelOptions { TextHiddenSize = 64 });
        File.Copy(Path.Combine(Sd, "unet", "model.onnx"), Path.Combine(Sdxl, "unet", "model.onnx"), overwrite: true);

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => LoadAsync(manifest));

        Assert.StartsWith("unet/model.onnx: input 'text_embeds' missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_EncoderWidthsNotMatchingUNet_NamesBothWidths()
    {
        var manifest = TinyStableDiffusionXLModelWriter.Write(Sdxl);
        TinyStableDiffusionXLModelWriter.Write(Sd, new TinyStableDiffusionXLModelOptions { FirstHiddenSize = 16 });
        File.Copy(Path.Combine(Sd, "text_encoder", "model.onnx"), Path.Combine(Sdxl, "text_encoder", "model.onnx"), overwrite: true);

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => LoadAsync(manifest));

        Assert.Equal("unet/model.onnx: 'encoder_hidden_states' is 64 wide, the text encoders give 16 + 40.", error.Message);
    }

    [Fact]
    public async Task Load_ManifestWithoutDefaults_Sdxl1024Squared30StepsGuidance5Euler()
    {
        var manifest = TinyStableDiffusionXLModelWriter.Write(Sdxl) with { DefaultParameters = new Dictionary<string, double>() };

        await using var model = (StableDiffusionXLModel)await LoadAsync(manifest);

        var c = model.Capabilities;
        Assert.Equal((1024, 1024, 30, 5f, SchedulerKind.Euler), (c.DefaultWidth, c.DefaultHeight, c.DefaultSteps, c.DefaultGuidance, c.DefaultScheduler));
    }

    [Fact]
    public async Task Load_FiveTimeIds_RefinerLayoutRefusedNamingTheInput()
    {
        var manifest = TinyStableDiffusionXLModelWriter.Write(Sdxl, new TinyStableDiffusionXLModelOptions { TimeIdsWidth = 5 });

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => LoadAsync(manifest));

        Assert.StartsWith("unet/model.onnx: input 'time_ids' takes 5 values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_RefinerLayoutWithoutFirstEncoder_SaysRefinersAreNotSupported()
    {
        var manifest = TinyStableDiffusionXLModelWriter.Write(Sdxl);
        Directory.Delete(Path.Combine(Sdxl, "text_encoder"), recursive: true);

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => LoadAsync(manifest));

        Assert.Contains("SDXL refiner", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_ModelIndexWithoutForceZeros_EncodesTheEmptyNegativePrompt()
    {
        var manifest = TinyStableDiffusionXLModelWriter.Write(Sdxl);
        var index = Path.Combine(Sdxl, "model_index.json");
        await File.WriteAllTextAsync(index, (await File.ReadAllTextAsync(index)).Replace("\"force_zeros_for_empty_prompt\": true", "\"force_zeros_for_empty_prompt\": false"));

        await using var model = (StableDiffusionXLModel)await LoadAsync(manifest);
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        var conditioning = model.EncodePrompt(new ImageRequest { ModelId = "x", Prompt = "a cat" }, guided: true, [], runOptions);

        Assert.False(model.ForceZerosForEmptyPrompt);
        Assert.Contains(conditioning.HiddenStates.Take(ClipTokenizer.SequenceLength * conditioning.HiddenSize), v => v != 0f);
    }
}
