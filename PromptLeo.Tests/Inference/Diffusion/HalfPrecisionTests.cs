using PromptLeo.Inference.Models;
using Microsoft.Extensions.Logging.Abstractions;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Diffusion;

public sealed class HalfPrecisionTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "promptleo-tests", "half-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData(TensorPrecision.Float16, "float16")]
    [InlineData(TensorPrecision.BFloat16, "bfloat16")]
    public async Task Generate_HalfPrecisionExport_LoadsAndMatchesFloat32WithinRounding(TensorPrecision precision, string expectedName)
    {
        var full = await GenerateAsync(TensorPrecision.Float32);
        var half = await GenerateAsync(precision);

        Assert.Equal("float32", full.Precision);
        Assert.Equal(expectedName, half.Precision);
        // Same seed, same weights up to rounding: the images differ by a few levels at most, not by content.
        Assert.True(TestImages.MeanAbsoluteDifference(full.Png, half.Png) < 6.0, $"mean difference {TestImages.MeanAbsoluteDifference(full.Png, half.Png)}");
        Assert.True(half.WeightBytes < full.WeightBytes * 0.6, $"{half.WeightBytes} vs {full.WeightBytes} bytes");
    }

    private async Task<(string Precision, byte[] Png, long WeightBytes)> GenerateAsync(TensorPrecision precision)
    {
        var directory = Path.Combine(root, precision.ToString());
        var manifest = TinyDiffusionModelWriter.Write(directory, new TinyDiffusionModelOptions { Id = "half", Precision = precision });
        await using var model = (IDiffusionModel)await TinyOnnxModels.DiffusionLoader().LoadAsync(manifest, directory, CancellationToken.None);
        var result = model.CreatePipeline(NullLogger.Instance).Run(
            new DiffusionJob(new ImageRequest { ModelId = "half", Prompt = "a red house", Width = 64, Height = 64, Steps = 4 }, Seed: 7),
            progress: null, CancellationToken.None);
        return (model.Capabilities.Precision, result.Images[0].Png, ModelFolder.WeightBytes(directory));
    }
}
