using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;

namespace PromptLeo.Inference.Models.Demo;

/// <summary>Shape of a tiny random-weight FLUX.1 model.</summary>
public sealed record TinyFluxModelOptions
{
    /// <summary>Manifest id; also the usual folder name.</summary>
    public string Id { get; init; } = "demo-flux-tiny";
    /// <summary>Seed for all random weights; the same seed writes byte-identical graphs.</summary>
    public int Seed { get; init; } = 4321;
    /// <summary>Write the guidance-distilled variant (FLUX.1-dev: a <c>guidance</c> input, dynamic shifting) instead of schnell.</summary>
    public bool Guidance { get; init; }
    /// <summary>Element type of the weights and of every floating input and output.</summary>
    public TensorPrecision Precision { get; init; } = TensorPrecision.Float32;
    /// <summary>Width inside the transformer; raise it (with <see cref="TransformerLayers"/>) for benchmarks.</summary>
    public int HiddenSize { get; init; } = 32;
    /// <summary>Extra residual token-wise layers in the transformer.</summary>
    public int TransformerLayers { get; init; }
    /// <summary>Width of the T5 hidden states (4096 for FLUX.1).</summary>
    public int JointWidth { get; init; } = 32;
    /// <summary>Width of CLIP's pooled output (768 for FLUX.1).</summary>
    public int PooledWidth { get; init; } = 32;
    /// <summary>Declare <c>img_ids</c>/<c>txt_ids</c> with a batch dimension, as exports before diffusers 0.31 did.</summary>
    public bool BatchedIds { get; init; }
    /// <summary>Declare <c>img_ids</c>/<c>txt_ids</c> as floating tensors (other exporters) instead of optimum's int64.</summary>
    public bool FloatingIds { get; init; }
    /// <summary>Write a <c>vae_encoder</c> (img2img and inpainting).</summary>
    public bool VaeEncoder { get; init; } = true;
}

/// <summary>
/// Writes a tiny random-weight FLUX.1 model in the diffusers/optimum ONNX layout with the real input and output
/// names, element types and ranks: CLIP tokenizer and text encoder (<c>pooler_output</c>), a SentencePiece unigram
/// <c>tokenizer_2/spiece.model</c> and T5-style encoder (<c>last_hidden_state</c>), the transformer
/// (<c>hidden_states</c> [b,tokens,64], <c>encoder_hidden_states</c>, <c>pooled_projections</c>, <c>timestep</c>,
/// <c>img_ids</c>, <c>txt_ids</c>, optional <c>guidance</c> → <c>out_hidden_states</c>), a 16-channel VAE and FLUX's
/// scheduler and VAE configs. Used by tests, the benchmark and demo mode.
/// </summary>
public static class TinyFluxModelWriter
{
    public const int LatentChannels = 16;
    private const int PackedChannels = LatentChannels * 4;

    /// <summary>Writes the model into <paramref name="modelDirectory"/> (created if missing) and returns its manifest.</summary>
    public static ModelManifest Write(string modelDirectory, TinyFluxModelOptions? options = null)
    {
        options ??= new TinyFluxModelOptions();
        Directory.CreateDirectory(modelDirectory);
        var clipVocabulary = TinyDiffusionModelWriter.WriteTokenizer(Path.Combine(modelDirectory, "tokenizer"));
        var t5Vocabulary = TinySentencePieceWriter.Write(Path.Combine(modelDirectory, "tokenizer_2"));
        WriteClipEncoder(Path.Combine(modelDirectory, "text_encoder", "model.onnx"), clipVocabulary, options);
        WriteT5Encoder(Path.Combine(modelDirectory, "text_encoder_2", "model.onnx"), t5Vocabulary, options);
        WriteTransformer(Path.Combine(modelDirectory, "transformer", "model.onnx"), options);
        WriteVaeDecoder(Path.Combine(modelDirectory, "vae_decoder", "model.onnx"), options);
        if (options.VaeEncoder)
        {
            WriteVaeEncoder(Path.Combine(modelDirectory, "vae_encoder", "model.onnx"), options);
        }

        WriteJson(Path.Combine(modelDirectory, "vae_decoder", "config.json"), new JsonObject
        {
            ["_class_name"] = "AutoencoderKL", ["latent_channels"] = LatentChannels, ["scaling_factor"] = 0.3611, ["shift_factor"] = 0.1159,
        });
        // FLUX.1-schnell's and FLUX.1-dev's scheduler_config.json.
        WriteJson(Path.Combine(modelDirectory, "scheduler", "scheduler_config.json"), new JsonObject
        {
            ["_class_name"] = "FlowMatchEulerDiscreteScheduler", ["base_image_seq_len"] = 256, ["base_shift"] = 0.5,
            ["max_image_seq_len"] = 4096, ["max_shift"] = 1.15, ["num_train_timesteps"] = 1000,
            ["shift"] = options.Guidance ? 3.0 : 1.0, ["use_dynamic_shifting"] = options.Guidance,
        });
        WriteModelIndex(Path.Combine(modelDirectory, "model_index.json"), options.VaeEncoder);

        var manifest = new ModelManifest
        {
            Id = options.Id,
            // Sorts after "Tiny Stable Diffusion": the studio's default model stays the demo that runs 20+ steps with any scheduler.
            DisplayName = options.Guidance ? "Tiny transformer FLUX.1-dev — Demo (random weights)" : "Tiny transformer FLUX.1-schnell — Demo (random weights)",
            Kind = ModelKind.Diffusion,
            IsDemo = true,
            License = "none (random weights, generated locally)",
            Files = TinyDiffusionModelWriter.DescribeFiles(modelDirectory),
            DefaultParameters = options.Guidance
                ? new Dictionary<string, double> { ["steps"] = 8, ["guidance"] = 3.5, ["width"] = 256, ["height"] = 256 }
                : new Dictionary<string, double> { ["steps"] = 4, ["guidance"] = 0, ["width"] = 256, ["height"] = 256 },
        };
        TinyDiffusionModelWriter.WriteManifest(modelDirectory, manifest);
        return manifest;
    }

    private static void WriteClipEncoder(string path, int vocabularySize, TinyFluxModelOptions options)
    {
        var c = options.PooledWidth;
        var g = new OnnxGraphBuilder("text_encoder", options.Seed + 1, options.Precision);
        g.Input("input_ids", OnnxGraphBuilder.Int32, "batch", TinyDiffusionModelWriter.SequenceLength);
        var hidden = g.Output("last_hidden_state", OnnxGraphBuilder.Float, "batch", TinyDiffusionModelWriter.SequenceLength, c);
        var pooled = g.Output("pooler_output", OnnxGraphBuilder.Float, "batch", c);
        var tokens = g.Node("Gather", [g.RandomWeight("token_embedding", 1f, vocabularySize, c), "input_ids"], attributes: OnnxGraphBuilder.Int("axis", 0));
        var x = g.Node("Add", [tokens, g.RandomWeight("position_embedding", 0.1f, TinyDiffusionModelWriter.SequenceLength, c)]);
        g.Node("Tanh", [g.Node("MatMul", [x, g.RandomWeight("proj.weight", 1f / MathF.Sqrt(c), c, c)])], hidden);
        g.Node("ReduceMean", [hidden], pooled, OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 0));
        g.Save(path);
    }

    private static void WriteT5Encoder(string path, int vocabularySize, TinyFluxModelOptions options)
    {
        var c = options.JointWidth;
        var g = new OnnxGraphBuilder("text_encoder_2", options.Seed + 2, options.Precision);
        g.Input("input_ids", OnnxGraphBuilder.Int64, "batch", "sequence_length");
        var hidden = g.Output("last_hidden_state", OnnxGraphBuilder.Float, "batch", "sequence_length", c);
        var tokens = g.Node("Gather", [g.RandomWeight("shared", 1f, vocabularySize, c), "input_ids"], attributes: OnnxGraphBuilder.Int("axis", 0));
        // Mixing in the sequence mean makes every position depend on the whole prompt, like self-attention does.
        var mean = g.Node("ReduceMean", [tokens], attributes: [OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 1)]);
        var mixed = g.Node("MatMul", [g.Node("Add", [tokens, mean]), g.RandomWeight("proj.weight", 1f / MathF.Sqrt(c), c, c)]);
        g.Node("Tanh", [mixed], hidden);
        g.Save(path);
    }

    private static void WriteTransformer(string path, TinyFluxModelOptions options)
    {
        var h = options.HiddenSize;
        var g = new OnnxGraphBuilder("transformer", options.Seed + 3, options.Precision);
        var idType = options.FloatingIds ? OnnxGraphBuilder.Float : OnnxGraphBuilder.Int64;
        var latents = g.Input("hidden_states", OnnxGraphBuilder.Float, "batch_size", "packed_height_width", PackedChannels);
        var text = g.Input("encoder_hidden_states", OnnxGraphBuilder.Float, "batch_size", "sequence_length", options.JointWidth);
        var pooled = g.Input("pooled_projections", OnnxGraphBuilder.Float, "batch_size", options.PooledWidth);
        var timestep = g.Input("timestep", OnnxGraphBuilder.Float, "batch_size");
        var imageIds = options.BatchedIds
            ? g.Input("img_ids", idType, "batch_size", "packed_height_width", 3)
            : g.Input("img_ids", idType, "packed_height_width", 3);
        var textIds = options.BatchedIds
            ? g.Input("txt_ids", idType, "batch_size", "sequence_length", 3)
            : g.Input("txt_ids", idType, "sequence_length", 3);
        var guidance = options.Guidance ? g.Input("guidance", OnnxGraphBuilder.Float, "batch_size") : null;
        var output = g.Output("out_hidden_states", OnnxGraphBuilder.Float, "batch_size", "packed_height_width", PackedChannels);

        // Conditioning vector [b,1,h]: pooled text + sin(σ·k) time embedding (+ guidance), like FLUX's modulation input.
        var pooledProjected = g.Node("MatMul", [pooled, g.RandomWeight("pooled.weight", 1f / MathF.Sqrt(options.PooledWidth), options.PooledWidth, h)]);
        var column = g.Node("Unsqueeze", [timestep, g.Int64Constant("time_axes", [1])]);
        var time = g.Node("Sin", [g.Node("Mul", [column, g.RandomWeight("time.frequencies", 3f, 1, h)])]);
        var condition = g.Node("Add", [pooledProjected, time]);
        if (guidance is not null)
        {
            var guidanceColumn = g.Node("Unsqueeze", [guidance, g.Int64Constant("guidance_axes", [1])]);
            condition = g.Node("Add", [condition, g.Node("Mul", [guidanceColumn, g.RandomWeight("guidance.weight", 0.1f, 1, h)])]);
        }

        var textSummary = g.Node("MatMul", [g.Node("ReduceMean", [text], attributes: [OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 1)]),
            g.RandomWeight("context.weight", 1f / MathF.Sqrt(options.JointWidth), options.JointWidth, h)]);
        var conditionRow = g.Node("Add", [g.Node("Unsqueeze", [condition, g.Int64Constant("condition_axes", [1])]), textSummary]);

        // Rotary-position stand-in: the (0, row, column) ids through a small projection; text ids are all 0 and add nothing.
        var positions = g.Node("MatMul", [g.Node("Cast", [imageIds], attributes: OnnxGraphBuilder.Int("to", OnnxGraphBuilder.Float)), g.RandomWeight("position.weight", 0.05f, 3, h)]);
        var textPositions = g.Node("ReduceMean", [g.Node("Cast", [textIds], attributes: OnnxGraphBuilder.Int("to", OnnxGraphBuilder.Float))], attributes: OnnxGraphBuilder.Int("keepdims", 1));

        var x = g.Node("MatMul", [latents, g.RandomWeight("x_embedder.weight", 1f / MathF.Sqrt(PackedChannels), PackedChannels, h)]);
        x = g.Node("Add", [g.Node("Add", [g.Node("Add", [x, conditionRow]), positions]), textPositions]);
        x = g.Node("Tanh", [x]);
        for (var layer = 0; layer < options.TransformerLayers; layer++)
        {
            // Token mixing through the image mean stands in for joint attention.
            var mixed = g.Node("Add", [x, g.Node("ReduceMean", [x], attributes: [OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 1)])]);
            var y = g.Node("MatMul", [mixed, g.RandomWeight($"block{layer}.weight", 0.5f / MathF.Sqrt(h), h, h)]);
            x = g.Node("Tanh", [g.Node("Add", [x, y])]);
        }

        g.Node("MatMul", [x, g.RandomWeight("proj_out.weight", 1f / MathF.Sqrt(h), h, PackedChannels)], output);
        g.Save(path);
    }

    private static void WriteVaeDecoder(string path, TinyFluxModelOptions options)
    {
        var g = new OnnxGraphBuilder("vae_decoder", options.Seed + 4, options.Precision);
        var latents = g.Input("latent_sample", OnnxGraphBuilder.Float, "batch", LatentChannels, "latent_height", "latent_width");
        var pixels = g.Output("sample", OnnxGraphBuilder.Float, "batch", 3, "height", "width");
        var x = g.Node("Tanh", [g.Conv(latents, LatentChannels, 16, gain: 0.5f)]);
        var weight = g.RandomWeight("upsample.weight", 0.5f / MathF.Sqrt(16), 16, 3, 8, 8);
        var bias = g.RandomWeight("upsample.bias", 0.05f, 3);
        var up = g.Node("ConvTranspose", [x, weight, bias], attributes: [OnnxGraphBuilder.Ints("kernel_shape", 8, 8), OnnxGraphBuilder.Ints("strides", 8, 8)]);
        g.Node("Tanh", [up], pixels);
        g.Save(path);
    }

    private static void WriteVaeEncoder(string path, TinyFluxModelOptions options)
    {
        var g = new OnnxGraphBuilder("vae_encoder", options.Seed + 5, options.Precision);
        var pixels = g.Input("sample", OnnxGraphBuilder.Float, "batch", 3, "height", "width");
        // Mean and log-variance, 2 × 16 channels, as optimum's current exports name it.
        var parameters = g.Output("latent_parameters", OnnxGraphBuilder.Float, "batch", 2 * LatentChannels, "latent_height", "latent_width");
        g.Conv(pixels, 3, 2 * LatentChannels, kernel: 8, stride: 8, gain: 2f, output: parameters);
        g.Save(path);
    }

    private static void WriteModelIndex(string path, bool vaeEncoder)
    {
        var index = new JsonObject
        {
            ["_class_name"] = "FluxPipeline",
            ["_diffusers_version"] = "0.32.0",
            ["scheduler"] = new JsonArray("diffusers", "FlowMatchEulerDiscreteScheduler"),
            ["text_encoder"] = new JsonArray("optimum", "ORTModelTextEncoder"),
            ["text_encoder_2"] = new JsonArray("optimum", "ORTModelTextEncoder"),
            ["tokenizer"] = new JsonArray("transformers", "CLIPTokenizer"),
            ["tokenizer_2"] = new JsonArray("transformers", "T5TokenizerFast"),
            ["transformer"] = new JsonArray("optimum", "ORTModelTransformer"),
            ["vae_decoder"] = new JsonArray("optimum", "ORTModelVaeDecoder"),
        };
        if (vaeEncoder)
        {
            index["vae_encoder"] = new JsonArray("optimum", "ORTModelVaeEncoder");
        }

        WriteJson(path, index);
    }

    private static void WriteJson(string path, JsonObject json)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}

/// <summary>
/// Writes a small SentencePiece unigram model (<c>spiece.model</c>, the protobuf <c>ModelProto</c> of
/// sentencepiece_model.proto) with T5's special-token layout: &lt;pad&gt; 0, &lt;/s&gt; 1, &lt;unk&gt; 2, no &lt;s&gt;. The pieces
/// are the demo words (preceded by ▁), ▁ and the letters, so any prompt of letters encodes without unknowns.
/// </summary>
internal static class TinySentencePieceWriter
{
    private const int Normal = 1;
    private const int Unknown = 2;
    private const int Control = 3;
    private const int Unigram = 1;

    /// <summary>Writes <c>spiece.model</c> and the tokenizer configs into <paramref name="directory"/>; returns the vocabulary size.</summary>
    public static int Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var pieces = new List<(string Piece, float Score, int Type)> { ("<pad>", 0, Control), ("</s>", 0, Control), ("<unk>", 0, Unknown), ("▁", -2f, Normal) };
        // Whole words score higher than their letters, so the unigram Viterbi picks the word.
        pieces.AddRange(TinyDiffusionModelWriter.DemoWords.Select((word, i) => ("▁" + word, -4f - i * 0.01f, Normal)));
        pieces.AddRange("abcdefghijklmnopqrstuvwxyz0123456789".Select(c => (c.ToString(), -8f, Normal)));

        using var stream = File.Create(Path.Combine(directory, "spiece.model"));
        var output = new CodedOutputStream(stream);
        foreach (var (piece, score, type) in pieces)
        {
            WriteMessage(output, 1, o =>
            {
                o.WriteTag(1, WireFormat.WireType.LengthDelimited);
                o.WriteString(piece);
                o.WriteTag(2, WireFormat.WireType.Fixed32);
                o.WriteFloat(score);
                o.WriteTag(3, WireFormat.WireType.Varint);
                o.WriteEnum(type);
            });
        }

        WriteMessage(output, 2, o =>
        {
            WriteInt(o, 3, Unigram);
            WriteInt(o, 4, pieces.Count);
            WriteInt(o, 40, 2);
            WriteInt(o, 41, -1);
            WriteInt(o, 42, 1);
            WriteInt(o, 43, 0);
            WriteText(o, 45, "<unk>");
            WriteText(o, 46, "<s>");
            WriteText(o, 47, "</s>");
            WriteText(o, 48, "<pad>");
        });
        WriteMessage(output, 3, o =>
        {
            WriteText(o, 1, "identity");
            WriteInt(o, 3, 1);
            WriteInt(o, 4, 1);
            WriteInt(o, 5, 1);
        });
        output.Flush();

        var config = new JsonObject
        {
            ["tokenizer_class"] = "T5Tokenizer", ["model_max_length"] = 512, ["extra_ids"] = 0,
            ["eos_token"] = "</s>", ["pad_token"] = "<pad>", ["unk_token"] = "<unk>",
        };
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return pieces.Count;
    }

    private static void WriteMessage(CodedOutputStream output, int field, Action<CodedOutputStream> body)
    {
        using var buffer = new MemoryStream();
        var inner = new CodedOutputStream(buffer);
        body(inner);
        inner.Flush();
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(buffer.ToArray()));
    }

    private static void WriteInt(CodedOutputStream output, int field, int value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt32(value);
    }

    private static void WriteText(CodedOutputStream output, int field, string value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
    }
}
