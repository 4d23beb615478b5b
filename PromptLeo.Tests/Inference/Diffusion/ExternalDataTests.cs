using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Onnx;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Diffusion;

/// <summary>Models over protobuf's 2 GB limit keep their weights in a data file next to <c>model.onnx</c>.</summary>
public sealed class ExternalDataTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "promptleo-tests", "external-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static readonly ImageRequest Request = new() { ModelId = "x", Prompt = "a red house", Width = 64, Height = 64, Steps = 2 };

    [Theory]
    [InlineData("model.onnx_data")]
    [InlineData("model.onnx.data")]
    public async Task Load_WeightsInExternalDataFile_GeneratesTheSameImageAsInlineWeights(string dataFile)
    {
        var inline = await GenerateAsync("inline", null);
        var external = await GenerateAsync("external", dataFile);

        // Same pixels; the files differ only in the AI marking, which names each model.
        Assert.Equal(TestImages.Pixels(inline.Png), TestImages.Pixels(external.Png));
        // The graph file holds no weights any more; every float initializer points into the data file.
        var unet = Path.Combine(root, "external", "unet");
        Assert.True(new FileInfo(Path.Combine(unet, "model.onnx")).Length * 4 < new FileInfo(Path.Combine(unet, dataFile)).Length);
        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(unet, "model.onnx"))).Graph;
        var stored = graph.Initializer.Where(t => t.DataType == (int)TensorProto.Types.DataType.Float).ToList();
        Assert.NotEmpty(stored);
        Assert.All(stored, t =>
        {
            Assert.Equal(TensorProto.Types.DataLocation.External, t.DataLocation);
            Assert.True(t.RawData.IsEmpty);
            Assert.Equal(["location", "offset", "length"], t.ExternalData.Select(e => e.Key));
            Assert.Equal(dataFile, t.ExternalData[0].Value);
        });
        // Resident bytes count the data files, so the budget of loaded models sees the real weight size.
        Assert.Equal(ModelFolder.WeightBytes(Path.Combine(root, "external")), external.ResidentBytes);
        Assert.True(external.ResidentBytes >= inline.ResidentBytes, $"{external.ResidentBytes} < {inline.ResidentBytes}");
    }

    [Fact]
    public async Task Load_ExternalDataFileMissing_NamesTheDataFile()
    {
        var directory = Path.Combine(root, "missing");
        var manifest = TinyDiffusionModelWriter.Write(directory, new TinyDiffusionModelOptions { Id = "missing", ExternalDataFile = "model.onnx_data" });
        File.Delete(Path.Combine(directory, "unet", "model.onnx_data"));

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => TinyOnnxModels.DiffusionLoader().LoadAsync(manifest, directory, CancellationToken.None));

        Assert.Equal("unet/model.onnx_data: external data file missing (unet/model.onnx keeps its weights there).", error.Message);
    }

    [Fact]
    public async Task Load_ExternalDataFileTruncated_NamesTheDataFile()
    {
        var directory = Path.Combine(root, "short");
        var manifest = TinyDiffusionModelWriter.Write(directory, new TinyDiffusionModelOptions { Id = "short", ExternalDataFile = "model.onnx_data" });
        var data = Path.Combine(directory, "vae_decoder", "model.onnx_data");
        await using (var stream = new FileStream(data, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(stream.Length / 2);
        }

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => TinyOnnxModels.DiffusionLoader().LoadAsync(manifest, directory, CancellationToken.None));

        Assert.StartsWith("vae_decoder/model.onnx_data: external data file too short", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateAsync_DataFileTruncatedWhileLoaded_RefusedAndModelFailedWithReason()
    {
        TinyDiffusionModelWriter.Write(Path.Combine(root, "tiny-sd"), new TinyDiffusionModelOptions { Id = "tiny-sd", ExternalDataFile = "model.onnx_data" });
        await using var services = TinyModels.BuildServices(root, new Dictionary<string, string?> { ["Inference:Device"] = "Cpu" });
        var registry = services.GetRequiredService<ModelRegistry>();
        var generator = services.GetRequiredService<IImageGenerator>();
        var request = Request with { ModelId = "tiny-sd", Seed = 1 };
        Assert.Single((await generator.GenerateAsync(request)).Images);

        var data = Path.Combine(root, "tiny-sd", "unet", "model.onnx_data");
        await using (var stream = new FileStream(data, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(stream.Length - 64);
        }

        Assert.Equal(1, await registry.VerifyLoadedFilesAsync());
        Assert.Equal(ModelState.Failed, registry.Get("tiny-sd")!.State);
        Assert.Contains(Path.Combine("unet", "model.onnx_data") + ": the file changed on disk while the model was loaded", registry.Get("tiny-sd")!.Error);
        await Assert.ThrowsAsync<ModelLoadException>(() => generator.GenerateAsync(request));
    }

    [Fact]
    public async Task VerifyLoadedFilesAsync_DataFileReplacedWithSameSizeAndTime_NoticesTheContent()
    {
        TinyDiffusionModelWriter.Write(Path.Combine(root, "tiny-sd"), new TinyDiffusionModelOptions { Id = "tiny-sd", ExternalDataFile = "model.onnx_data" });
        await using var services = TinyModels.BuildServices(root, new Dictionary<string, string?> { ["Inference:Device"] = "Cpu" });
        var registry = services.GetRequiredService<ModelRegistry>();
        (await registry.AcquireAsync("tiny-sd")).Dispose();

        // Other weights of the same size written over the first 4 KiB, the modification time put back.
        var data = Path.Combine(root, "tiny-sd", "text_encoder", "model.onnx_data");
        var written = File.GetLastWriteTimeUtc(data);
        await using (var stream = new FileStream(data, FileMode.Open, FileAccess.Write))
        {
            stream.Write(new byte[1024]);
        }
        File.SetLastWriteTimeUtc(data, written);

        Assert.Equal(1, await registry.VerifyLoadedFilesAsync());
        Assert.Contains(Path.Combine("text_encoder", "model.onnx_data") + ": the file's content changed", registry.Get("tiny-sd")!.Error);
    }

    private async Task<(byte[] Png, long ResidentBytes)> GenerateAsync(string name, string? dataFile)
    {
        var directory = Path.Combine(root, name);
        var manifest = TinyDiffusionModelWriter.Write(directory, new TinyDiffusionModelOptions { Id = name, ExternalDataFile = dataFile });
        await using var model = (IDiffusionModel)await TinyOnnxModels.DiffusionLoader().LoadAsync(manifest, directory, CancellationToken.None);
        var result = model.CreatePipeline(NullLogger.Instance).Run(new DiffusionJob(Request with { ModelId = name }, Seed: 7), progress: null, CancellationToken.None);
        return (result.Images[0].Png, model.ResidentBytes);
    }
}
