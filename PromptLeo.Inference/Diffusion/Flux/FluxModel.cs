using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Diffusion.Flux;

/// <summary>A loaded FLUX.1 model (schnell, or dev with its guidance input): tokenizers, five ONNX sessions, scheduler config. Sessions are shared by requests.</summary>
internal sealed class FluxModel(
    ModelManifest manifest,
    DeviceStatus device,
    long residentBytes,
    ClipTokenizer clipTokenizer,
    T5Tokenizer t5Tokenizer,
    FluxTextEncoder clipEncoder,
    FluxTextEncoder t5Encoder,
    FluxTransformer transformer,
    FluxVaeDecoder vaeDecoder,
    FluxVaeEncoder? vaeEncoder,
    FlowMatchSchedulerConfig schedulerConfig,
    FluxLatentScaling scaling,
    int textSequenceLength,
    ImageModelCapabilities capabilities) : IDiffusionModel
{
    public ModelManifest Manifest => manifest;
    public DeviceStatus Device => device;
    public long ResidentBytes => residentBytes;
    public ImageModelCapabilities Capabilities => capabilities;
    public ClipTokenizer ClipTokenizer => clipTokenizer;
    public T5Tokenizer T5Tokenizer => t5Tokenizer;
    public FluxTextEncoder ClipEncoder => clipEncoder;
    public FluxTextEncoder T5Encoder => t5Encoder;
    public FluxTransformer Transformer => transformer;
    public FluxVaeDecoder VaeDecoder => vaeDecoder;
    public FluxVaeEncoder? VaeEncoder => vaeEncoder;
    public FlowMatchSchedulerConfig SchedulerConfig => schedulerConfig;
    public FluxLatentScaling Scaling => scaling;
    /// <summary>T5 tokens per prompt (256 for schnell, 512 for dev by default).</summary>
    public int TextSequenceLength => textSequenceLength;
    public int LatentChannels => transformer.PackedChannels / 4;

    public IDiffusionPipeline CreatePipeline(ILogger logger) => new FluxPipeline(this, logger);

    public ValueTask DisposeAsync()
    {
        clipEncoder.Dispose();
        t5Encoder.Dispose();
        transformer.Dispose();
        vaeDecoder.Dispose();
        vaeEncoder?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Loads FLUX.1 in the diffusers/optimum ONNX layout: <c>tokenizer</c> (CLIP), <c>tokenizer_2</c> (T5 SentencePiece),
/// <c>text_encoder</c> (CLIP-L), <c>text_encoder_2</c> (T5-XXL encoder), <c>transformer</c>, <c>vae_decoder</c>, optional
/// <c>vae_encoder</c>, <c>scheduler</c>. A transformer with a <c>guidance</c> input is FLUX.1-dev.
/// </summary>
internal sealed class FluxModelLoader(ILogger<FluxModelLoader> logger) : IDiffusionFamilyLoader
{
    /// <summary>T5 tokens per prompt when nothing fixes it: diffusers' 512 for dev, the recommended 256 for schnell.</summary>
    public const int DevSequenceLength = 512;
    public const int SchnellSequenceLength = 256;

    public ImageModelFamily Family => ImageModelFamily.Flux;

    public IDiffusionModel Load(ModelManifest manifest, string modelDirectory, DeviceSelection selection, CancellationToken cancellationToken)
    {
        var clipTokenizer = DiffusionFolder.LoadTokenizer(modelDirectory, "tokenizer");
        var t5Tokenizer = LoadT5Tokenizer(modelDirectory);
        var schedulerConfig = LoadSchedulerConfig(modelDirectory);
        var opened = new List<IDisposable>();
        try
        {
            var clip = Track(new FluxTextEncoder(Open("text_encoder/model.onnx", [FluxTextEncoder.InputName], [FluxTextEncoder.PooledOutputName]), FluxTextEncoder.PooledOutputName));
            cancellationToken.ThrowIfCancellationRequested();
            var t5 = Track(new FluxTextEncoder(Open("text_encoder_2/model.onnx", [FluxTextEncoder.InputName], [FluxTextEncoder.HiddenStatesOutputName]), FluxTextEncoder.HiddenStatesOutputName));
            cancellationToken.ThrowIfCancellationRequested();
            var transformer = Track(new FluxTransformer(Open("transformer/model.onnx", FluxTransformer.RequiredInputs, [])));
            CheckTransformer(transformer);
            cancellationToken.ThrowIfCancellationRequested();
            var decoder = Track(new FluxVaeDecoder(Open("vae_decoder/model.onnx", [FluxVaeDecoder.InputName], [FluxVaeDecoder.OutputName])));
            if (decoder.LatentChannels is { } channels && channels * 4 != transformer.PackedChannels)
            {
                throw new ModelLoadException($"vae_decoder/model.onnx: takes {channels} latent channels, but the transformer packs {transformer.PackedChannels / 4}.");
            }

            FluxVaeEncoder? encoder = null;
            if (File.Exists(Path.Combine(modelDirectory, "vae_encoder", "model.onnx")))
            {
                encoder = Track(new FluxVaeEncoder(Open("vae_encoder/model.onnx", [FluxVaeEncoder.InputName], [])));
            }

            var sequenceLength = transformer.TextSequenceLength ?? t5.FixedSequenceLength
                ?? (manifest.DefaultParameters.TryGetValue("max_sequence_length", out var configured) ? (int)configured
                    : transformer.HasGuidance ? DevSequenceLength : SchnellSequenceLength);
            var scaling = new FluxLatentScaling(
                DiffusionFolder.ReadScalingFactor(modelDirectory, FluxLatentScaling.DefaultScalingFactor),
                DiffusionFolder.ReadScalingFactor(modelDirectory, FluxLatentScaling.DefaultShiftFactor, "shift_factor"));
            var precision = DiffusionFolder.PrecisionName(transformer.HiddenStatesType);
            // schnell is timestep-distilled for ≤ 4 steps without guidance; dev is guidance-distilled (diffusers' defaults 28 steps, 3.5).
            var capabilities = DiffusionFolder.Capabilities(manifest, ImageModelFamily.Flux,
                imageToImage: encoder is not null, inpainting: encoder is not null, defaultSize: 1024, precision,
                [SchedulerKind.FlowMatchEuler],
                defaultSteps: transformer.HasGuidance ? 28 : 4,
                defaultGuidance: transformer.HasGuidance ? 3.5f : 0f,
                maxSteps: transformer.HasGuidance ? null : 4) with { NegativePrompt = false, Guidance = transformer.HasGuidance };
            logger.LogInformation("Loaded FLUX model {ModelId} on {Device} ({Variant}, {Precision}, {SequenceLength} text tokens)",
                manifest.Id, selection.Status.Device, transformer.HasGuidance ? "guidance-distilled" : "timestep-distilled", precision, sequenceLength);
            return new FluxModel(manifest, selection.Status, ModelFolder.WeightBytes(modelDirectory), clipTokenizer, t5Tokenizer, clip, t5,
                transformer, decoder, encoder, schedulerConfig, scaling, sequenceLength, capabilities);
        }
        catch
        {
            foreach (var session in opened)
            {
                session.Dispose();
            }

            throw;
        }

        T Track<T>(T stage) where T : IDisposable
        {
            opened.Add(stage);
            return stage;
        }

        InferenceSession Open(string relativePath, string[] inputs, string[] outputs) =>
            OnnxModelFile.Open(modelDirectory, relativePath, selection.Options, inputs, outputs);
    }

    private static void CheckTransformer(FluxTransformer transformer)
    {
        var inputs = transformer.Session.InputMetadata;
        foreach (var name in new[] { FluxTransformer.HiddenStatesName, FluxTransformer.EncoderHiddenStatesName, FluxTransformer.PooledProjectionsName, FluxTransformer.TimestepName })
        {
            if (!OnnxTensorTypes.IsFloating(inputs[name].ElementDataType))
            {
                throw new ModelLoadException($"transformer/model.onnx: '{name}' has element type {inputs[name].ElementDataType}; a floating type was expected.");
            }
        }

        if (transformer.PackedChannels % 4 != 0 || transformer.Session.OutputMetadata.Count == 0)
        {
            throw new ModelLoadException($"transformer/model.onnx: hidden_states has {transformer.PackedChannels} features per token, not 4 × latent channels, or the graph has no output.");
        }
    }

    private static T5Tokenizer LoadT5Tokenizer(string modelDirectory)
    {
        try
        {
            return T5Tokenizer.Load(Path.Combine(modelDirectory, "tokenizer_2"));
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or InvalidOperationException or Google.Protobuf.InvalidProtocolBufferException)
        {
            throw new ModelLoadException($"tokenizer_2: {ex.Message}", ex);
        }
    }

    private static FlowMatchSchedulerConfig LoadSchedulerConfig(string modelDirectory)
    {
        try
        {
            return FlowMatchSchedulerConfig.Load(Path.Combine(modelDirectory, "scheduler", "scheduler_config.json"));
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException or InvalidOperationException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"scheduler/scheduler_config.json: {ex.Message}", ex);
        }
    }
}
