using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

using PromptLeo.Inference.Diffusion;

namespace PromptLeo.Inference.Models.Demo;

/// <summary>How the tiny UNet declares its <c>timestep</c> input; real exports differ, so the pipeline reads it from metadata.</summary>
public enum UNetTimestepFormat
{
    /// <summary><c>timestep</c> int64 of shape [1] (optimum's SD 1.x export).</summary>
    Int64Single,
    /// <summary><c>timestep</c> float of shape [batch] (other exporters).</summary>
    FloatPerSample,
}

/// <summary>Which Stable Diffusion release a tiny model mirrors: its scheduler config, text width, default size and manifest defaults.</summary>
public enum TinyDiffusionFlavor
{
    /// <summary>SD 1.5: PNDM config (ε-prediction, leading offset 1), 768-wide text, 512² (the demo writes 256² defaults).</summary>
    StableDiffusion15,
    /// <summary>SD 2.1 (768-v): DDIM config with v-prediction, 1024-wide text, UNet sample size 96 (768²).</summary>
    StableDiffusion21,
    /// <summary>SD-Turbo: Euler config with trailing spacing, 1024-wide text, 512², 1 step without guidance (at most 4).</summary>
    Turbo,
}

/// <summary>Shape of a tiny random-weight Stable Diffusion model.</summary>
public sealed record TinyDiffusionModelOptions
{
    /// <summary>SD 2.1 (768-v) test model: v-prediction, 1024-wide text encoder, 768² default size.</summary>
    public static TinyDiffusionModelOptions Sd21(string id, TensorPrecision precision = TensorPrecision.Float32) =>
        new() { Id = id, Flavor = TinyDiffusionFlavor.StableDiffusion21, TextHiddenSize = 1024, Precision = precision };

    /// <summary>SD-Turbo test model: trailing spacing, 1024-wide text encoder, manifest defaults of 1 step, guidance 0, at most 4 steps, 512².</summary>
    public static TinyDiffusionModelOptions Turbo(string id, TensorPrecision precision = TensorPrecision.Float32) =>
        new() { Id = id, Flavor = TinyDiffusionFlavor.Turbo, TextHiddenSize = 1024, Precision = precision };

    /// <summary>The release whose configs and defaults the model carries.</summary>
    public TinyDiffusionFlavor Flavor { get; init; } = TinyDiffusionFlavor.StableDiffusion15;
    /// <summary>Manifest id; also the usual folder name.</summary>
    public string Id { get; init; } = "demo-sd-tiny";
    /// <summary>Seed for all random weights; the same seed writes byte-identical graphs.</summary>
    public int Seed { get; init; } = 1234;
    /// <summary>Width of the text-encoder hidden state (768 for SD 1.x, 1024 for SD 2.x).</summary>
    public int TextHiddenSize { get; init; } = 32;
    /// <summary>Channels inside the UNet.</summary>
    public int UNetChannels { get; init; } = 16;
    /// <summary>Extra residual 3×3 convolution layers in the UNet; raise it (with <see cref="UNetChannels"/>) for benchmarks.</summary>
    public int UNetResidualLayers { get; init; }
    /// <summary>Write an inpainting UNet with 9 input channels (latents, mask, masked-image latents).</summary>
    public bool Inpainting { get; init; }
    /// <summary>Element type and rank of the UNet's <c>timestep</c> input.</summary>
    public UNetTimestepFormat TimestepFormat { get; init; } = UNetTimestepFormat.Int64Single;
    /// <summary>Element type of the weights and of every floating input and output (float16 like GPU exports).</summary>
    public TensorPrecision Precision { get; init; } = TensorPrecision.Float32;
    /// <summary>
    /// When set (<c>model.onnx_data</c> or <c>model.onnx.data</c>), every ONNX file keeps its weights in this file next
    /// to it, as exports of models over 2 GB do; null keeps them inside <c>model.onnx</c>.
    /// </summary>
    public string? ExternalDataFile { get; init; }
    /// <summary>Write <c>vae_encoder/model.onnx</c>; without it the model is text-to-image only, as some exports ship.</summary>
    public bool VaeEncoder { get; init; } = true;
}

/// <summary>
/// Writes a tiny random-weight Stable Diffusion model in the diffusers/optimum ONNX folder layout, with the same
/// input and output names, element types and ranks as real exports. Used by tests, the benchmark and demo mode.
/// The tokenizer is a small byte-level CLIP-style BPE vocabulary: the special tokens keep their real strings
/// (<c>&lt;|startoftext|&gt;</c>, <c>&lt;|endoftext|&gt;</c>) but sit at the last two ids of the small vocabulary
/// instead of 49406/49407; the tokenizer resolves their ids from <c>vocab.json</c>, as for real models.
/// </summary>
public static class TinyDiffusionModelWriter
{
    /// <summary>Sequence length of CLIP text encoders.</summary>
    public const int SequenceLength = 77;

    internal static readonly string[] DemoWords =
    [
        "a", "an", "the", "of", "on", "in", "with", "and", "photo", "portrait", "painting", "landscape", "cat", "dog",
        "house", "tree", "forest", "mountain", "sea", "sky", "city", "sunset", "car", "woman", "man", "red", "blue",
        "green", "bright", "dark", "light", "cinematic", "detailed", "blurry", "ugly",
    ];

    /// <summary>Writes the model into <paramref name="modelDirectory"/> (created if missing) and returns its manifest.</summary>
    public static ModelManifest Write(string modelDirectory, TinyDiffusionModelOptions? options = null)
    {
        options ??= new TinyDiffusionModelOptions();
        Directory.CreateDirectory(modelDirectory);
        var vocabularySize = WriteTokenizer(Path.Combine(modelDirectory, "tokenizer"));
        WriteTextEncoder(Path.Combine(modelDirectory, "text_encoder", "model.onnx"), vocabularySize, options);
        WriteUNet(Path.Combine(modelDirectory, "unet", "model.onnx"), options);
        WriteVaeDecoder(Path.Combine(modelDirectory, "vae_decoder", "model.onnx"), options.Seed + 3, options.Precision, options.ExternalDataFile);
        if (options.VaeEncoder)
        {
            WriteVaeEncoder(Path.Combine(modelDirectory, "vae_encoder", "model.onnx"), options.Seed + 4, options.Precision, options.ExternalDataFile);
        }

        WriteSchedulerConfig(Path.Combine(modelDirectory, "scheduler", "scheduler_config.json"), options.Flavor);
        WriteUNetConfig(Path.Combine(modelDirectory, "unet", "config.json"), options);
        WriteModelIndex(Path.Combine(modelDirectory, "model_index.json"), options.Inpainting, SchedulerClass(options.Flavor), options.VaeEncoder);

        var manifest = new ModelManifest
        {
            Id = options.Id,
            DisplayName = $"Tiny {FlavorName(options.Flavor)}{(options.Inpainting ? " Inpainting" : "")} — Demo (random weights)",
            Kind = ModelKind.Diffusion,
            IsDemo = true,
            License = "none (random weights, generated locally)",
            Files = DescribeFiles(modelDirectory),
            DefaultParameters = options.Flavor switch
            {
                // The defaults the real releases' model cards give (SD 2.1 768-v: 768², SD-Turbo: one step, no guidance).
                TinyDiffusionFlavor.StableDiffusion21 => new Dictionary<string, double> { ["steps"] = 20, ["guidance"] = 7.5, ["width"] = 768, ["height"] = 768 },
                TinyDiffusionFlavor.Turbo => new Dictionary<string, double> { ["steps"] = 1, ["guidance"] = 0, ["max_steps"] = 4, ["width"] = 512, ["height"] = 512 },
                _ => new Dictionary<string, double> { ["steps"] = 20, ["guidance"] = 7.5, ["width"] = 256, ["height"] = 256 },
            },
        };
        WriteManifest(modelDirectory, manifest);
        return manifest;
    }

    internal static IReadOnlyList<ModelFile> DescribeFiles(string modelDirectory) =>
        Directory.EnumerateFiles(modelDirectory, "*", SearchOption.AllDirectories)
            .Where(path => Path.GetFileName(path) != "manifest.json")
            .Order(StringComparer.Ordinal)
            .Select(path =>
            {
                using var stream = File.OpenRead(path);
                var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
                return new ModelFile(Path.GetRelativePath(modelDirectory, path).Replace('\\', '/'), hash, stream.Length);
            })
            .ToList();

    internal static void WriteManifest(string modelDirectory, ModelManifest manifest)
    {
        var json = JsonSerializer.Serialize(manifest, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });
        File.WriteAllText(Path.Combine(modelDirectory, "manifest.json"), json);
    }

    /// <summary>Writes the demo CLIP tokenizer; <paramref name="padToken"/> is what <c>tokenizer_config.json</c> pads with (SDXL's second tokenizer: "!").</summary>
    internal static int WriteTokenizer(string directory, string padToken = ClipTokenizerFiles.EndOfText)
    {
        Directory.CreateDirectory(directory);
        var byteChars = ClipByteLevel.ByteToUnicode;
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in byteChars)
        {
            vocabulary.TryAdd(c.ToString(), vocabulary.Count);
        }

        foreach (var c in byteChars)
        {
            vocabulary.TryAdd(c + "</w>", vocabulary.Count);
        }

        // Merges build each demo word left to right, as CLIP's merges.txt would for frequent words.
        var merges = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in DemoWords)
        {
            var symbols = word.Select(c => c.ToString()).ToList();
            symbols[^1] += "</w>";
            while (symbols.Count > 1)
            {
                var merge = $"{symbols[0]} {symbols[1]}";
                var merged = symbols[0] + symbols[1];
                if (seen.Add(merge))
                {
                    merges.Add(merge);
                    vocabulary.TryAdd(merged, vocabulary.Count);
                }

                symbols[0] = merged;
                symbols.RemoveAt(1);
            }
        }

        vocabulary.Add(ClipTokenizerFiles.StartOfText, vocabulary.Count);
        vocabulary.Add(ClipTokenizerFiles.EndOfText, vocabulary.Count);

        File.WriteAllText(Path.Combine(directory, "vocab.json"), JsonSerializer.Serialize(vocabulary));
        File.WriteAllText(Path.Combine(directory, "merges.txt"), "#version: 0.2\n" + string.Join('\n', merges) + "\n", new UTF8Encoding(false));
        var config = new JsonObject
        {
            ["tokenizer_class"] = "CLIPTokenizer",
            ["model_max_length"] = SequenceLength,
            ["do_lower_case"] = true,
            ["bos_token"] = ClipTokenizerFiles.StartOfText,
            ["eos_token"] = ClipTokenizerFiles.EndOfText,
            ["pad_token"] = padToken,
            ["unk_token"] = ClipTokenizerFiles.EndOfText,
        };
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return vocabulary.Count;
    }

    private static void WriteTextEncoder(string path, int vocabularySize, TinyDiffusionModelOptions options)
    {
        var c = options.TextHiddenSize;
        var g = new OnnxGraphBuilder("text_encoder", options.Seed + 1, options.Precision);
        g.Input("input_ids", OnnxGraphBuilder.Int32, "batch", SequenceLength);
        var hidden = g.Output("last_hidden_state", OnnxGraphBuilder.Float, "batch", SequenceLength, c);
        var pooled = g.Output("pooler_output", OnnxGraphBuilder.Float, "batch", c);

        var embedding = g.RandomWeight("token_embedding", 1f, vocabularySize, c);
        var position = g.RandomWeight("position_embedding", 0.1f, SequenceLength, c);
        var tokens = g.Node("Gather", [embedding, "input_ids"], attributes: OnnxGraphBuilder.Int("axis", 0));
        var x = g.Node("Add", [tokens, position]);
        // Mixing in the sequence mean makes every position depend on the whole prompt, like attention does.
        var mean = g.Node("ReduceMean", [x], attributes: [OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 1)]);
        var mixed = g.Node("Add", [x, mean]);
        var projected = g.Node("MatMul", [mixed, g.RandomWeight("proj.weight", 1f / MathF.Sqrt(c), c, c)]);
        var biased = g.Node("Add", [projected, g.RandomWeight("proj.bias", 0.01f, c)]);
        g.Node("Tanh", [biased], hidden);
        g.Node("ReduceMean", [hidden], pooled, OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 0));
        g.Save(path, options.ExternalDataFile);
    }

    private static void WriteUNet(string path, TinyDiffusionModelOptions options)
    {
        var inChannels = options.Inpainting ? 9 : 4;
        var h = options.UNetChannels;
        var g = new OnnxGraphBuilder("unet", options.Seed + 2, options.Precision);
        var sample = g.Input("sample", OnnxGraphBuilder.Float, "batch", inChannels, "height", "width");
        if (options.TimestepFormat == UNetTimestepFormat.Int64Single)
        {
            g.Input("timestep", OnnxGraphBuilder.Int64, 1);
        }
        else
        {
            g.Input("timestep", OnnxGraphBuilder.Float, "batch");
        }

        var text = g.Input("encoder_hidden_states", OnnxGraphBuilder.Float, "batch", SequenceLength, options.TextHiddenSize);
        var outSample = g.Output("out_sample", OnnxGraphBuilder.Float, "batch", 4, "height", "width");

        var timeEmbedding = TimeEmbedding(g, h);
        var contextEmbedding = ContextEmbedding(g, text, options.TextHiddenSize, h);
        WriteUNetBody(g, sample, inChannels, h, options.UNetResidualLayers, [timeEmbedding, contextEmbedding], outSample);
        g.Save(path, options.ExternalDataFile);
    }

    /// <summary>Time embedding: sin(t / 1000) broadcast over a channel vector, shape [1 or batch, h, 1, 1].</summary>
    internal static string TimeEmbedding(OnnxGraphBuilder g, int h)
    {
        var t = g.Node("Cast", ["timestep"], attributes: OnnxGraphBuilder.Int("to", OnnxGraphBuilder.Float));
        var scaled = g.Node("Mul", [t, g.FloatConstant("time_scale", [0.001f])]);
        var sine = g.Node("Sin", [scaled]);
        var column = g.Node("Reshape", [sine, g.Int64Constant("time_shape", [-1, 1, 1, 1])]);
        return g.Node("Mul", [column, g.RandomWeight("time_embedding", 1f, 1, h, 1, 1)]);
    }

    /// <summary>Text conditioning: mean over tokens, projected to channels, shape [batch, h, 1, 1].</summary>
    internal static string ContextEmbedding(OnnxGraphBuilder g, string text, int textHiddenSize, int h)
    {
        var context = g.Node("ReduceMean", [text], attributes: [OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 0)]);
        var contextProjected = g.Node("MatMul", [context, g.RandomWeight("context.weight", 2f / MathF.Sqrt(textHiddenSize), textHiddenSize, h)]);
        return g.Node("Unsqueeze", [contextProjected, g.Int64Constant("context_axes", [2, 3])]);
    }

    /// <summary>Convolution in, the conditioning embeddings ([b or 1, h, 1, 1]) added, residual layers, convolution out to 4 channels.</summary>
    internal static void WriteUNetBody(OnnxGraphBuilder g, string sample, int inChannels, int h, int residualLayers, string[] embeddings, string outSample)
    {
        var x = g.Conv(sample, inChannels, h);
        foreach (var embedding in embeddings)
        {
            x = g.Node("Add", [x, embedding]);
        }

        x = g.Node("Tanh", [x]);
        for (var layer = 0; layer < residualLayers; layer++)
        {
            var y = g.Conv(x, h, h, gain: 0.5f);
            x = g.Node("Tanh", [g.Node("Add", [x, y])]);
        }

        g.Conv(x, h, 4, output: outSample);
    }

    internal static void WriteVaeDecoder(string path, int seed, TensorPrecision precision, string? externalDataFile = null)
    {
        var g = new OnnxGraphBuilder("vae_decoder", seed, precision);
        var latents = g.Input("latent_sample", OnnxGraphBuilder.Float, "batch", 4, "latent_height", "latent_width");
        var pixels = g.Output("sample", OnnxGraphBuilder.Float, "batch", 3, "height", "width");
        // Small gain: the pipeline feeds latents scaled by 1/0.18215.
        var x = g.Node("Tanh", [g.Conv(latents, 4, 16, gain: 0.2f)]);
        var weight = g.RandomWeight("upsample.weight", 0.5f / MathF.Sqrt(16), 16, 3, 8, 8);
        var bias = g.RandomWeight("upsample.bias", 0.05f, 3);
        var up = g.Node("ConvTranspose", [x, weight, bias], attributes: [OnnxGraphBuilder.Ints("kernel_shape", 8, 8), OnnxGraphBuilder.Ints("strides", 8, 8)]);
        g.Node("Tanh", [up], pixels);
        g.Save(path, externalDataFile);
    }

    internal static void WriteVaeEncoder(string path, int seed, TensorPrecision precision, string? externalDataFile = null)
    {
        var g = new OnnxGraphBuilder("vae_encoder", seed, precision);
        var pixels = g.Input("sample", OnnxGraphBuilder.Float, "batch", 3, "height", "width");
        var latents = g.Output("latent_sample", OnnxGraphBuilder.Float, "batch", 4, "latent_height", "latent_width");
        g.Conv(pixels, 3, 4, kernel: 8, stride: 8, gain: 4f, output: latents);
        g.Save(path, externalDataFile);
    }

    private static string FlavorName(TinyDiffusionFlavor flavor) => flavor switch
    {
        TinyDiffusionFlavor.StableDiffusion21 => "Stable Diffusion 2.1",
        TinyDiffusionFlavor.Turbo => "SD-Turbo",
        _ => "Stable Diffusion",
    };

    private static string SchedulerClass(TinyDiffusionFlavor flavor) => flavor switch
    {
        TinyDiffusionFlavor.StableDiffusion21 => "DDIMScheduler",
        TinyDiffusionFlavor.Turbo => "EulerDiscreteScheduler",
        _ => "PNDMScheduler",
    };

    private static void WriteSchedulerConfig(string path, TinyDiffusionFlavor flavor)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // The scheduler_config.json each release ships (SD 1.5, stabilityai/stable-diffusion-2-1, stabilityai/sd-turbo).
        var config = new JsonObject
        {
            ["_class_name"] = SchedulerClass(flavor),
            ["_diffusers_version"] = "0.6.0",
            ["beta_end"] = 0.012,
            ["beta_schedule"] = "scaled_linear",
            ["beta_start"] = 0.00085,
            ["num_train_timesteps"] = 1000,
            ["set_alpha_to_one"] = false,
            ["skip_prk_steps"] = true,
            ["steps_offset"] = 1,
            ["trained_betas"] = null,
            ["clip_sample"] = false,
        };
        if (flavor == TinyDiffusionFlavor.StableDiffusion21)
        {
            config["prediction_type"] = "v_prediction";
        }
        else if (flavor == TinyDiffusionFlavor.Turbo)
        {
            config["prediction_type"] = "epsilon";
            config["timestep_spacing"] = "trailing";
            config["interpolation_type"] = "linear";
            config["timestep_type"] = "discrete";
            config["use_karras_sigmas"] = false;
        }

        File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The UNet config the pipeline reads its native size from (sample_size × 8 pixels), as in diffusers exports.</summary>
    private static void WriteUNetConfig(string path, TinyDiffusionModelOptions options)
    {
        var config = new JsonObject
        {
            ["_class_name"] = "UNet2DConditionModel",
            ["in_channels"] = options.Inpainting ? 9 : 4,
            ["out_channels"] = 4,
            ["cross_attention_dim"] = options.TextHiddenSize,
            ["sample_size"] = options.Flavor == TinyDiffusionFlavor.StableDiffusion21 ? 96 : 64,
        };
        File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static void WriteModelIndex(string path, bool inpainting, string schedulerClass, bool vaeEncoder)
    {
        var index = new JsonObject
        {
            ["_class_name"] = inpainting ? "OnnxStableDiffusionInpaintPipeline" : "OnnxStableDiffusionPipeline",
            ["_diffusers_version"] = "0.30.0",
            ["requires_safety_checker"] = false,
            ["scheduler"] = new JsonArray("diffusers", schedulerClass),
            ["text_encoder"] = new JsonArray("diffusers", "OnnxRuntimeModel"),
            ["tokenizer"] = new JsonArray("transformers", "CLIPTokenizer"),
            ["unet"] = new JsonArray("diffusers", "OnnxRuntimeModel"),
            ["vae_decoder"] = new JsonArray("diffusers", "OnnxRuntimeModel"),
            ["vae_encoder"] = vaeEncoder ? new JsonArray("diffusers", "OnnxRuntimeModel") : new JsonArray(null, null),
        };
        File.WriteAllText(path, index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
