using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;

namespace PromptLeo.Tests.Inference.Diffusion;

public sealed class TinyDiffusionModelWriterTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "promptleo-tests", "writer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static (TensorElementType Type, string Dims) Meta(IReadOnlyDictionary<string, NodeMetadata> metadata, string name) =>
        (metadata[name].ElementDataType, string.Join(',', metadata[name].Dimensions));

    [Fact]
    public void Write_Default_HasDiffusersLayoutAndRealExportSignatures()
    {
        var manifest = TinyDiffusionModelWriter.Write(directory);

        foreach (var file in new[] { "model_index.json", "tokenizer/vocab.json", "tokenizer/merges.txt", "scheduler/scheduler_config.json", "manifest.json" })
        {
            Assert.True(File.Exists(Path.Combine(directory, file)), file);
        }

        using (var text = new InferenceSession(Path.Combine(directory, "text_encoder", "model.onnx")))
        {
            Assert.Equal((TensorElementType.Int32, "-1,77"), Meta(text.InputMetadata, "input_ids"));
            Assert.Equal((TensorElementType.Float, "-1,77,32"), Meta(text.OutputMetadata, "last_hidden_state"));
        }

        using (var unet = new InferenceSession(Path.Combine(directory, "unet", "model.onnx")))
        {
            Assert.Equal(["sample", "timestep", "encoder_hidden_states"], unet.InputMetadata.Keys);
            Assert.Equal((TensorElementType.Float, "-1,4,-1,-1"), Meta(unet.InputMetadata, "sample"));
            Assert.Equal((TensorElementType.Int64, "1"), Meta(unet.InputMetadata, "timestep"));
            Assert.Equal((TensorElementType.Float, "-1,77,32"), Meta(unet.InputMetadata, "encoder_hidden_states"));
            Assert.Equal((TensorElementType.Float, "-1,4,-1,-1"), Meta(unet.OutputMetadata, "out_sample"));
        }

        using (var decoder = new InferenceSession(Path.Combine(directory, "vae_decoder", "model.onnx")))
        {
            Assert.Equal((TensorElementType.Float, "-1,4,-1,-1"), Meta(decoder.InputMetadata, "latent_sample"));
            Assert.Equal((TensorElementType.Float, "-1,3,-1,-1"), Meta(decoder.OutputMetadata, "sample"));
        }

        using (var encoder = new InferenceSession(Path.Combine(directory, "vae_encoder", "model.onnx")))
        {
            Assert.True(encoder.InputMetadata.ContainsKey("sample"));
            Assert.True(encoder.OutputMetadata.ContainsKey("latent_sample"));
        }

        Assert.Equal(ModelKind.Diffusion, manifest.Kind);
        Assert.True(manifest.IsDemo);
        Assert.Contains("Demo (random weights)", manifest.DisplayName, StringComparison.Ordinal);
        Assert.Contains(manifest.Files, f => f.Path == "unet/model.onnx" && f.Sha256!.Length == 64 && f.SizeBytes > 0);
        var stored = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(Path.Combine(directory, "manifest.json")), JsonSerializerOptions.Web)!;
        Assert.Equal(manifest.Id, stored.Id);
        Assert.Equal(ModelKind.Diffusion, stored.Kind);
    }

    [Fact]
    public void Write_InpaintingFloatTimestepHeavy_ChangesOnlyWhatWasAsked()
    {
        TinyDiffusionModelWriter.Write(directory, new TinyDiffusionModelOptions
        {
            Inpainting = true, TimestepFormat = UNetTimestepFormat.FloatPerSample, UNetChannels = 24, UNetResidualLayers = 3, TextHiddenSize = 48,
        });

        using var unet = new InferenceSession(Path.Combine(directory, "unet", "model.onnx"));
        Assert.Equal((TensorElementType.Float, "-1,9,-1,-1"), Meta(unet.InputMetadata, "sample"));
        Assert.Equal((TensorElementType.Float, "-1"), Meta(unet.InputMetadata, "timestep"));
        Assert.Equal((TensorElementType.Float, "-1,77,48"), Meta(unet.InputMetadata, "encoder_hidden_states"));
        Assert.Contains("Inpaint", File.ReadAllText(Path.Combine(directory, "model_index.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_SameSeedTwice_WritesIdenticalGraphs()
    {
        var first = TinyDiffusionModelWriter.Write(Path.Combine(directory, "a"));
        var second = TinyDiffusionModelWriter.Write(Path.Combine(directory, "b"));

        Assert.Equal(first.Files.Select(f => f.Sha256), second.Files.Select(f => f.Sha256));
    }

    [Fact]
    public void WriteBackgroundRemoval_HasImageInMaskOutAndNormalisationSettings()
    {
        var manifest = TinyBackgroundRemovalModelWriter.Write(directory, inputSize: 48);

        using var session = new InferenceSession(Path.Combine(directory, "model.onnx"));
        Assert.Equal((TensorElementType.Float, "1,3,48,48"), Meta(session.InputMetadata, "input"));
        Assert.Equal((TensorElementType.Float, "1,1,48,48"), Meta(session.OutputMetadata, "mask"));
        Assert.Equal(ModelKind.BackgroundRemoval, manifest.Kind);
        Assert.Equal("48", manifest.Settings["inputSize"]);
        Assert.Equal("0.485,0.456,0.406", manifest.Settings["mean"]);
        Assert.True(manifest.IsDemo);
    }

    [Fact]
    public void Write_Sd21AndTurbo_ShipTheirReleasesSchedulerConfigsAndUNetSize()
    {
        TinyDiffusionModelWriter.Write(Path.Combine(directory, "sd21"), TinyDiffusionModelOptions.Sd21("sd21"));
        TinyDiffusionModelWriter.Write(Path.Combine(directory, "turbo"), TinyDiffusionModelOptions.Turbo("turbo"));

        var sd21 = PromptLeo.Inference.Diffusion.Schedulers.SchedulerConfig.Load(Path.Combine(directory, "sd21", "scheduler", "scheduler_config.json"));
        var turbo = PromptLeo.Inference.Diffusion.Schedulers.SchedulerConfig.Load(Path.Combine(directory, "turbo", "scheduler", "scheduler_config.json"));

        Assert.Equal(("DDIMScheduler", "v_prediction", null, 1), (sd21.ClassName, sd21.PredictionType, sd21.TimestepSpacing, sd21.StepsOffset));
        Assert.Equal(("EulerDiscreteScheduler", "epsilon", "trailing"), (turbo.ClassName, turbo.PredictionType, turbo.TimestepSpacing));
        Assert.False(sd21.ClipSample);
        Assert.Equal(768, PromptLeo.Inference.Diffusion.DiffusionFolder.ReadNativeSize(Path.Combine(directory, "sd21"), "unet", 0));
        Assert.Equal(512, PromptLeo.Inference.Diffusion.DiffusionFolder.ReadNativeSize(Path.Combine(directory, "turbo"), "unet", 0));
    }
}
