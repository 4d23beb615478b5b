using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Diffusion;

public sealed class DiffusionModelLoaderTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "promptleo-tests", "loader-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Load_UNetWithoutTimestepInput_NamesFileAndMissingInput()
    {
        var manifest = TinyDiffusionModelWriter.Write(directory);
        // A valid ONNX graph with the wrong signature: the VAE decoder put where the UNet belongs.
        File.Copy(Path.Combine(directory, "vae_decoder", "model.onnx"), Path.Combine(directory, "unet", "model.onnx"), overwrite: true);

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => TinyOnnxModels.DiffusionLoader().LoadAsync(manifest, directory, CancellationToken.None));

        Assert.Contains("unet/model.onnx", error.Message, StringComparison.Ordinal);
        Assert.Contains("input 'sample' missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_TextEncoderWithoutInputIds_NamesInput()
    {
        var manifest = TinyDiffusionModelWriter.Write(directory);
        File.Copy(Path.Combine(directory, "vae_encoder", "model.onnx"), Path.Combine(directory, "text_encoder", "model.onnx"), overwrite: true);

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => TinyOnnxModels.DiffusionLoader().LoadAsync(manifest, directory, CancellationToken.None));

        Assert.Equal("text_encoder/model.onnx: input 'input_ids' missing (has: sample).", error.Message);
    }

    [Fact]
    public async Task Load_UnreadableOnnx_NamesFile()
    {
        var manifest = TinyDiffusionModelWriter.Write(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "vae_decoder", "model.onnx"), "this is not a protobuf");

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => TinyOnnxModels.DiffusionLoader().LoadAsync(manifest, directory, CancellationToken.None));

        Assert.StartsWith("vae_decoder/model.onnx: ONNX Runtime cannot load the file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_MissingFile_NamesFile()
    {
        var manifest = TinyDiffusionModelWriter.Write(directory);
        File.Delete(Path.Combine(directory, "unet", "model.onnx"));

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => TinyOnnxModels.DiffusionLoader().LoadAsync(manifest, directory, CancellationToken.None));

        Assert.Equal("unet/model.onnx: file missing.", error.Message);
    }

    [Fact]
    public async Task Load_BackgroundModelWithTwoInputs_IsRejected()
    {
        var manifest = TinyDiffusionModelWriter.Write(directory);
        File.Copy(Path.Combine(directory, "unet", "model.onnx"), Path.Combine(directory, "model.onnx"));

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => TinyOnnxModels.BackgroundLoader().LoadAsync(manifest with { Kind = ModelKind.BackgroundRemoval }, directory, CancellationToken.None));

        Assert.Contains("model.onnx: expected one image input", error.Message, StringComparison.Ordinal);
    }
}
