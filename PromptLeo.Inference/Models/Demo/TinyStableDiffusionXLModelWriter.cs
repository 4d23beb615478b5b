using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PromptLeo.Inference.Diffusion;

namespace PromptLeo.Inference.Models.Demo;

/// <summary>Shape of a tiny random-weight SDXL (or SDXL-Turbo) model.</summary>
public sealed record TinyStableDiffusionXLModelOptions
{
    /// <summary>Manifest id; also the usual folder name.</summary>
    public string Id { get; init; } = "demo-sdxl-tiny";
    /// <summary>Seed for all random weights; the same seed writes byte-identical graphs.</summary>
    public int Seed { get; init; } = 4321;
    /// <summary>Write SDXL-Turbo: Euler ancestral with trailing spacing, 512², 1 step (at most 4), guidance off.</summary>
    public bool Turbo { get; init; }
    /// <summary>Hidden width of <c>text_encoder</c> (CLIP ViT-L: 768).</summary>
    public int FirstHiddenSize { get; init; } = 24;
    /// <summary>Hidden width of <c>text_encoder_2</c> (OpenCLIP bigG: 1280).</summary>
    public int SecondHiddenSize { get; init; } = 40;
    /// <summary>Width of <c>text_encoder_2</c>'s projected <c>text_embeds</c> (1280).</summary>
    public int ProjectionSize { get; init; } = 40;
    /// <summary>Transformer layers of the two encoders (12 and 32 in the real model); each exports <c>hidden_states.0..N</c>.</summary>
    public int FirstLayers { get; init; } = 2;
    public int SecondLayers { get; init; } = 3;
    /// <summary>Channels inside the UNet.</summary>
    public int UNetChannels { get; init; } = 16;
    /// <summary>Element type of the weights and of every floating input and output (float16 like GPU exports).</summary>
    public TensorPrecision Precision { get; init; } = TensorPrecision.Float32;
    /// <summary>Width of the UNet's <c>time_ids</c>: 6 for SDXL base/Turbo; 5 writes the refiner's aesthetic-score layout.</summary>
    public int TimeIdsWidth { get; init; } = 6;
}

/// <summary>
/// Writes a tiny random-weight SDXL model in the diffusers/optimum ONNX layout with the real signature: two CLIP
/// tokenizers (the second pads with "!"), <c>text_encoder</c> (<c>last_hidden_state</c>, <c>pooler_output</c>,
/// <c>hidden_states.0..N</c>), <c>text_encoder_2</c> (<c>text_embeds</c>, <c>last_hidden_state</c>,
/// <c>hidden_states.0..N</c>), a UNet with a scalar float <c>timestep</c> plus <c>text_embeds</c> [b,P] and
/// <c>time_ids</c> [b,6], and the SD demo VAE with SDXL's scaling factor 0.13025. The input id types differ between
/// the two encoders (int32 as older optimum exports, int64 as optimum-onnx) so both paths run.
/// </summary>
public static class TinyStableDiffusionXLModelWriter
{
    private const int SequenceLength = TinyDiffusionModelWriter.SequenceLength;
    private const string Batch = "batch_size";
    private const string Sequence = "sequence_length";

    /// <summary>Writes the model into <paramref name="modelDirectory"/> (created if missing) and returns its manifest.</summary>
    public static ModelManifest Write(string modelDirectory, TinyStableDiffusionXLModelOptions? options = null)
    {
        options ??= new TinyStableDiffusionXLModelOptions();
        Directory.CreateDirectory(modelDirectory);
        var vocabularySize = TinyDiffusionModelWriter.WriteTokenizer(Path.Combine(modelDirectory, "tokenizer"));
        TinyDiffusionModelWriter.WriteTokenizer(Path.Combine(modelDirectory, "tokenizer_2"), padToken: "!");
        WriteTextEncoder(Path.Combine(modelDirectory, "text_encoder", "model.onnx"), vocabularySize, options.FirstHiddenSize, options.FirstLayers,
            projection: null, OnnxGraphBuilder.Int32, options.Seed + 1, options.Precision);
        WriteTextEncoder(Path.Combine(modelDirectory, "text_encoder_2", "model.onnx"), vocabularySize, options.SecondHiddenSize, options.SecondLayers,
            options.ProjectionSize, OnnxGraphBuilder.Int64, options.Seed + 2, options.Precision);
        WriteUNet(Path.Combine(modelDirectory, "unet", "model.onnx"), options);
        TinyDiffusionModelWriter.WriteVaeDecoder(Path.Combine(modelDirectory, "vae_decoder", "model.onnx"), options.Seed + 4, options.Precision);
        TinyDiffusionModelWriter.WriteVaeEncoder(Path.Combine(modelDirectory, "vae_encoder", "model.onnx"), options.Seed + 5, options.Precision);
        WriteJson(Path.Combine(modelDirectory, "vae_decoder", "config.json"), new JsonObject
        {
            ["_class_name"] = "AutoencoderKL", ["latent_channels"] = 4, ["scaling_factor"] = 0.13025, ["force_upcast"] = true,
        });
        WriteSchedulerConfig(Path.Combine(modelDirectory, "scheduler", "scheduler_config.json"), options.Turbo);
        WriteModelIndex(Path.Combine(modelDirectory, "model_index.json"));

        var manifest = new ModelManifest
        {
            Id = options.Id,
            DisplayName = options.Turbo ? "Tiny SDXL-Turbo — Demo (random weights)" : "Tiny SDXL — Demo (random weights)",
            Kind = ModelKind.Diffusion,
            IsDemo = true,
            License = "none (random weights, generated locally)",
            Files = TinyDiffusionModelWriter.DescribeFiles(modelDirectory),
            DefaultParameters = options.Turbo
                ? new Dictionary<string, double> { ["steps"] = 1, ["guidance"] = 0, ["max_steps"] = 4, ["width"] = 512, ["height"] = 512 }
                : new Dictionary<string, double> { ["steps"] = 20, ["guidance"] = 5 },
        };
        TinyDiffusionModelWriter.WriteManifest(modelDirectory, manifest);
        return manifest;
    }

    /// <summary>
    /// A CLIP-shaped encoder: embeddings are <c>hidden_states.0</c>, each layer adds a mixed, projected residual
    /// (<c>hidden_states.1..N</c>), <c>last_hidden_state</c> is the final layer norm of the last one, as in CLIPTextModel.
    /// With a projection it outputs <c>text_embeds</c> (CLIPTextModelWithProjection), without it <c>pooler_output</c>.
    /// </summary>
    private static void WriteTextEncoder(string path, int vocabularySize, int c, int layers, int? projection, int idType, int seed, TensorPrecision precision)
    {
        var g = new OnnxGraphBuilder(Path.GetFileName(Path.GetDirectoryName(path))!, seed, precision);
        g.Input("input_ids", idType, Batch, Sequence);
        var pooledOutput = projection is { } p
            ? g.Output("text_embeds", OnnxGraphBuilder.Float, Batch, p)
            : null;
        var last = g.Output("last_hidden_state", OnnxGraphBuilder.Float, Batch, Sequence, c);
        pooledOutput ??= g.Output("pooler_output", OnnxGraphBuilder.Float, Batch, c);
        var hiddenStates = Enumerable.Range(0, layers + 1)
            .Select(i => g.Output($"hidden_states.{i.ToString(CultureInfo.InvariantCulture)}", OnnxGraphBuilder.Float, Batch, Sequence, c))
            .ToArray();

        var embedding = g.RandomWeight("token_embedding", 1f, vocabularySize, c);
        var position = g.RandomWeight("position_embedding", 0.1f, SequenceLength, c);
        var tokens = g.Node("Gather", [embedding, "input_ids"], attributes: OnnxGraphBuilder.Int("axis", 0));
        var x = g.Node("Add", [tokens, position], hiddenStates[0]);
        for (var layer = 1; layer <= layers; layer++)
        {
            // Mixing in the sequence mean makes every position depend on the whole prompt, like attention does.
            var mean = g.Node("ReduceMean", [x], attributes: [OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 1)]);
            var projected = g.Node("MatMul", [g.Node("Add", [x, mean]), g.RandomWeight($"layer{layer}.weight", 1f / MathF.Sqrt(c), c, c)]);
            var update = g.Node("Tanh", [g.Node("Add", [projected, g.RandomWeight($"layer{layer}.bias", 0.01f, c)])]);
            x = g.Node("Add", [x, update], hiddenStates[layer]);
        }

        var ones = g.FloatConstant("final_layer_norm.weight", Enumerable.Repeat(1f, c).ToArray(), c);
        var zeros = g.FloatConstant("final_layer_norm.bias", new float[c], c);
        g.Node("LayerNormalization", [x, ones, zeros], last, OnnxGraphBuilder.Int("axis", -1));
        var pooled = g.Node("ReduceMean", [last], projection is null ? pooledOutput : null, OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 0));
        if (projection is { } width)
        {
            g.Node("MatMul", [pooled, g.RandomWeight("text_projection", 1f / MathF.Sqrt(c), c, width)], pooledOutput);
        }

        g.Save(path);
    }

    private static void WriteUNet(string path, TinyStableDiffusionXLModelOptions options)
    {
        var h = options.UNetChannels;
        var context = options.FirstHiddenSize + options.SecondHiddenSize;
        var g = new OnnxGraphBuilder("unet", options.Seed + 3, options.Precision);
        var sample = g.Input("sample", OnnxGraphBuilder.Float, Batch, 4, "height", "width");
        // optimum-onnx exports the timestep as a scalar in the export's float type.
        g.Input("timestep", OnnxGraphBuilder.Float);
        var text = g.Input("encoder_hidden_states", OnnxGraphBuilder.Float, Batch, Sequence, context);
        var textEmbeds = g.Input("text_embeds", OnnxGraphBuilder.Float, Batch, options.ProjectionSize);
        var timeIds = g.Input("time_ids", OnnxGraphBuilder.Float, Batch, options.TimeIdsWidth);
        var outSample = g.Output("out_sample", OnnxGraphBuilder.Float, Batch, 4, "height", "width");

        var timeEmbedding = TinyDiffusionModelWriter.TimeEmbedding(g, h);
        var contextEmbedding = TinyDiffusionModelWriter.ContextEmbedding(g, text, context, h);
        // Added conditioning (diffusers' add_embedding): pooled text and sin(size / 1000) of the six micro-conditioning ids.
        var sizes = g.Node("Sin", [g.Node("Mul", [timeIds, g.FloatConstant("time_ids_scale", [0.001f])])]);
        var added = g.Node("Add",
        [
            g.Node("MatMul", [textEmbeds, g.RandomWeight("add_embedding.text", 1f / MathF.Sqrt(options.ProjectionSize), options.ProjectionSize, h)]),
            g.Node("MatMul", [sizes, g.RandomWeight("add_embedding.time", 1f, options.TimeIdsWidth, h)]),
        ]);
        var addedEmbedding = g.Node("Unsqueeze", [added, g.Int64Constant("added_axes", [2, 3])]);
        TinyDiffusionModelWriter.WriteUNetBody(g, sample, 4, h, residualLayers: 0, [timeEmbedding, contextEmbedding, addedEmbedding], outSample);
        g.Save(path);
    }

    private static void WriteSchedulerConfig(string path, bool turbo)
    {
        // The scheduler_config.json of stable-diffusion-xl-base-1.0 (Euler, leading) and of sdxl-turbo (Euler ancestral, trailing).
        WriteJson(path, new JsonObject
        {
            ["_class_name"] = turbo ? "EulerAncestralDiscreteScheduler" : "EulerDiscreteScheduler",
            ["_diffusers_version"] = "0.24.0",
            ["beta_end"] = 0.012,
            ["beta_schedule"] = "scaled_linear",
            ["beta_start"] = 0.00085,
            ["clip_sample"] = false,
            ["interpolation_type"] = "linear",
            ["num_train_timesteps"] = 1000,
            ["prediction_type"] = "epsilon",
            ["sample_max_value"] = 1.0,
            ["set_alpha_to_one"] = false,
            ["skip_prk_steps"] = true,
            ["steps_offset"] = 1,
            ["timestep_spacing"] = turbo ? "trailing" : "leading",
            ["trained_betas"] = null,
            ["use_karras_sigmas"] = false,
        });
    }

    private static void WriteModelIndex(string path)
    {
        WriteJson(path, new JsonObject
        {
            ["_class_name"] = "StableDiffusionXLPipeline",
            ["_diffusers_version"] = "0.24.0",
            ["force_zeros_for_empty_prompt"] = true,
            ["scheduler"] = new JsonArray("diffusers", "EulerDiscreteScheduler"),
            ["text_encoder"] = new JsonArray("diffusers", "OnnxRuntimeModel"),
            ["text_encoder_2"] = new JsonArray("diffusers", "OnnxRuntimeModel"),
            ["tokenizer"] = new JsonArray("transformers", "CLIPTokenizer"),
            ["tokenizer_2"] = new JsonArray("transformers", "CLIPTokenizer"),
            ["unet"] = new JsonArray("diffusers", "OnnxRuntimeModel"),
            ["vae_decoder"] = new JsonArray("diffusers", "OnnxRuntimeModel"),
            ["vae_encoder"] = new JsonArray("diffusers", "OnnxRuntimeModel"),
        });
    }

    private static void WriteJson(string path, JsonObject json)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
