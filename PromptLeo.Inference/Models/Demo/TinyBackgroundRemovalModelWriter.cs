using PromptLeo.Inference.Diffusion;

namespace PromptLeo.Inference.Models.Demo;

/// <summary>
/// Writes a tiny random-weight background-removal (salient object segmentation) model: one image
/// <c>input</c> [1,3,S,S] to one <c>mask</c> [1,1,S,S] in (0,1) via Sigmoid, like U²-Net/BiRefNet exports.
/// </summary>
public static class TinyBackgroundRemovalModelWriter
{
    /// <summary>Writes <c>model.onnx</c> and <c>manifest.json</c> into <paramref name="modelDirectory"/> and returns the manifest.</summary>
    public static ModelManifest Write(string modelDirectory, string id = "demo-background-removal", int inputSize = 64, int seed = 4321)
    {
        Directory.CreateDirectory(modelDirectory);
        var g = new OnnxGraphBuilder("background_removal", seed);
        g.Input("input", OnnxGraphBuilder.Float, 1, 3, inputSize, inputSize);
        g.Output("mask", OnnxGraphBuilder.Float, 1, 1, inputSize, inputSize);
        var x = g.Node("Tanh", [g.Conv("input", 3, 8)]);
        var logits = g.Conv(x, 8, 1, gain: 3f);
        g.Node("Sigmoid", [logits], "mask");
        g.Save(Path.Combine(modelDirectory, "model.onnx"));

        var manifest = new ModelManifest
        {
            Id = id,
            DisplayName = "Tiny background removal — Demo (random weights)",
            Kind = ModelKind.BackgroundRemoval,
            IsDemo = true,
            License = "none (random weights, generated locally)",
            Files = TinyDiffusionModelWriter.DescribeFiles(modelDirectory),
            Settings = new Dictionary<string, string>
            {
                [BackgroundRemovalSettings.InputSize] = inputSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [BackgroundRemovalSettings.Mean] = "0.485,0.456,0.406",
                [BackgroundRemovalSettings.Std] = "0.229,0.224,0.225",
                [BackgroundRemovalSettings.MaskNormalization] = "minmax",
            },
        };
        TinyDiffusionModelWriter.WriteManifest(modelDirectory, manifest);
        return manifest;
    }
}
