using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Diffusion.Schedulers;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Diffusion;

/// <summary>
/// SDXL's conditioning arithmetic (diffusers <c>pipeline_stable_diffusion_xl.py</c>): both encoders' penultimate
/// hidden states concatenated along the channel axis, and the micro-conditioning <c>time_ids</c>.
/// </summary>
internal static class SdxlConditioning
{
    public const string TextEmbedsName = "text_embeds";
    public const string TimeIdsName = "time_ids";
    /// <summary>original (h, w), crop top-left (top, left), target (h, w); 5 would be the refiner's aesthetic-score layout.</summary>
    public const int TimeIdsWidth = 6;

    /// <summary><c>_get_add_time_ids</c>: original_size + crops_coords_top_left + target_size, each (height/top, width/left).</summary>
    public static float[] TimeIds(int originalHeight, int originalWidth, int cropTop, int cropLeft, int targetHeight, int targetWidth) =>
        [originalHeight, originalWidth, cropTop, cropLeft, targetHeight, targetWidth];

    /// <summary>
    /// <c>torch.concat([first, second], dim=-1)</c>: for every token of every row, the first encoder's
    /// <paramref name="firstSize"/> values, then the second's <paramref name="secondSize"/>.
    /// </summary>
    public static float[] ConcatenateChannels(ReadOnlySpan<float> first, int firstSize, ReadOnlySpan<float> second, int secondSize)
    {
        var tokens = first.Length / firstSize;
        if (second.Length != tokens * secondSize)
        {
            throw new ArgumentException($"the second encoder gave {second.Length / secondSize} tokens, the first {tokens}.", nameof(second));
        }

        var width = firstSize + secondSize;
        var result = new float[tokens * width];
        for (var t = 0; t < tokens; t++)
        {
            first.Slice(t * firstSize, firstSize).CopyTo(result.AsSpan(t * width));
            second.Slice(t * secondSize, secondSize).CopyTo(result.AsSpan(t * width + firstSize));
        }

        return result;
    }

    /// <summary>Puts an all-zero negative row in front of the prompt rows (<c>force_zeros_for_empty_prompt</c>).</summary>
    public static float[] WithZeroRowFirst(float[] rows, int rowLength)
    {
        var result = new float[rowLength + rows.Length];
        rows.CopyTo(result, rowLength);
        return result;
    }
}

/// <summary>
/// A loaded SDXL or SDXL-Turbo model: two CLIP tokenizers and text encoders (CLIP ViT-L, OpenCLIP bigG with
/// projection), a UNet with added text/time conditioning, VAE. Sessions are shared by requests; the denoising loop is
/// <see cref="StableDiffusionPipeline"/>'s.
/// </summary>
internal sealed class StableDiffusionXLModel(
    ModelManifest manifest,
    DeviceStatus device,
    long residentBytes,
    (ClipTokenizer First, ClipTokenizer Second) tokenizers,
    (TextEncoder First, TextEncoder Second) textEncoders,
    UNetDenoiser unet,
    VaeDecoder vaeDecoder,
    VaeEncoder? vaeEncoder,
    SchedulerConfig schedulerConfig,
    float scalingFactor,
    bool forceZerosForEmptyPrompt,
    ImageModelCapabilities capabilities) : IDiffusionModel, IUNetDiffusionModel
{
    public ImageModelCapabilities Capabilities => capabilities;
    public IDiffusionPipeline CreatePipeline(ILogger logger) => new StableDiffusionPipeline(this, logger);
    public ModelManifest Manifest => manifest;
    public long ResidentBytes => residentBytes;
    public DeviceStatus Device => device;
    public UNetDenoiser UNet => unet;
    public VaeDecoder VaeDecoder => vaeDecoder;
    public VaeEncoder? VaeEncoder => vaeEncoder;
    public SchedulerConfig SchedulerConfig => schedulerConfig;
    public float ScalingFactor => scalingFactor;
    public (TextEncoder First, TextEncoder Second) TextEncoders => textEncoders;
    /// <summary>A 4-channel SDXL UNet inpaints by latent blending, as diffusers' StableDiffusionXLInpaintPipeline does.</summary>
    public bool BlendsInpaintingLatents => unet.InChannels == 4 && vaeEncoder is not null;
    /// <summary>An empty negative prompt becomes all-zero embeddings (<c>model_index.json</c>, true unless it says otherwise).</summary>
    public bool ForceZerosForEmptyPrompt => forceZerosForEmptyPrompt;

    public UNetConditioning EncodePrompt(ImageRequest request, bool guided, List<string> warnings, RunOptions runOptions)
    {
        // diffusers zeroes the negative only when none is given; the API's "no negative prompt" is the empty string.
        var zeroNegative = guided && forceZerosForEmptyPrompt && string.IsNullOrWhiteSpace(request.NegativePrompt);
        var encodeNegative = guided && !zeroNegative;
        var first = textEncoders.First.Encode(PromptTokens.Rows(tokenizers.First, request, encodeNegative, warnings), runOptions);
        var second = textEncoders.Second.Encode(PromptTokens.Rows(tokenizers.Second, request, encodeNegative, warnings), runOptions);
        var hidden = SdxlConditioning.ConcatenateChannels(first.Hidden, first.HiddenSize, second.Hidden, second.HiddenSize);
        var hiddenSize = first.HiddenSize + second.HiddenSize;
        var pooled = second.Pooled!;
        if (zeroNegative)
        {
            hidden = SdxlConditioning.WithZeroRowFirst(hidden, ClipTokenizer.SequenceLength * hiddenSize);
            pooled = SdxlConditioning.WithZeroRowFirst(pooled, second.PooledSize);
        }

        // The negative rows get the same micro-conditioning (negative_original_size etc. unset).
        var timeIds = SdxlConditioning.TimeIds(request.Height, request.Width, 0, 0, request.Height, request.Width);
        var sources = guided ? 2 : 1;
        var timeIdRows = new float[sources * timeIds.Length];
        for (var s = 0; s < sources; s++)
        {
            timeIds.CopyTo(timeIdRows, s * timeIds.Length);
        }

        return new UNetConditioning(hidden, hiddenSize,
        [
            new AddedConditioning(SdxlConditioning.TextEmbedsName, pooled, second.PooledSize),
            new AddedConditioning(SdxlConditioning.TimeIdsName, timeIdRows, timeIds.Length),
        ]);
    }

    public byte[] RenderPreview(ReadOnlySpan<float> latents, int latentHeight, int latentWidth) =>
        LatentPreview.Render(latents, latentHeight, latentWidth, LatentPreview.SdxlFactors, LatentPreview.SdxlBias);

    public ValueTask DisposeAsync()
    {
        textEncoders.First.Dispose();
        textEncoders.Second.Dispose();
        unet.Dispose();
        vaeDecoder.Dispose();
        vaeEncoder?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Loads SDXL and SDXL-Turbo folders in the diffusers/optimum ONNX layout (<c>tokenizer</c>, <c>tokenizer_2</c>,
/// <c>text_encoder</c>, <c>text_encoder_2</c>, <c>unet</c>, <c>vae_decoder</c>, optional <c>vae_encoder</c>,
/// <c>scheduler</c>), reading names, element types and widths from the sessions.
/// </summary>
internal sealed class StableDiffusionXLModelLoader(ILogger<StableDiffusionXLModelLoader> logger) : IDiffusionFamilyLoader
{
    /// <summary>SDXL's VAE scaling factor (its <c>vae/config.json</c>).</summary>
    public const float DefaultScalingFactor = 0.13025f;
    /// <summary>SDXL is trained at 1024²; SDXL-Turbo's manifest sets 512².</summary>
    public const int DefaultSize = 1024;

    public ImageModelFamily Family => ImageModelFamily.StableDiffusionXL;

    public IDiffusionModel Load(ModelManifest manifest, string modelDirectory, DeviceSelection selection, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(modelDirectory, "text_encoder", "model.onnx")) && File.Exists(Path.Combine(modelDirectory, "text_encoder_2", "model.onnx")))
        {
            throw new ModelLoadException("text_encoder/model.onnx: file missing; an SDXL refiner (text_encoder_2 only, aesthetic-score time_ids) is not supported.");
        }

        var tokenizers = (DiffusionFolder.LoadTokenizer(modelDirectory, "tokenizer"), DiffusionFolder.LoadTokenizer(modelDirectory, "tokenizer_2"));
        var schedulerConfig = DiffusionFolder.LoadSchedulerConfig(modelDirectory);
        var opened = new List<IDisposable>();
        try
        {
            var first = OpenEncoder("text_encoder/model.onnx", pooled: false);
            var second = OpenEncoder("text_encoder_2/model.onnx", pooled: true);
            cancellationToken.ThrowIfCancellationRequested();
            var unet = Own(new UNetDenoiser(Open("unet/model.onnx",
                [UNetDenoiser.SampleName, UNetDenoiser.TimestepName, UNetDenoiser.HiddenStatesName, SdxlConditioning.TextEmbedsName, SdxlConditioning.TimeIdsName],
                [UNetDenoiser.OutputName])));
            CheckUNetConditioning(unet, first, second);
            cancellationToken.ThrowIfCancellationRequested();
            var vaeDecoder = Own(new VaeDecoder(Open("vae_decoder/model.onnx", [VaeDecoder.InputName], [VaeDecoder.OutputName])));
            VaeEncoder? vaeEncoder = null;
            if (File.Exists(Path.Combine(modelDirectory, "vae_encoder", "model.onnx")))
            {
                vaeEncoder = Own(new VaeEncoder(Open("vae_encoder/model.onnx", [VaeEncoder.InputName], [])));
            }

            if (unet.InChannels == 9 && vaeEncoder is null)
            {
                throw new ModelLoadException("vae_encoder/model.onnx: file missing; an inpainting UNet needs it.");
            }

            var precision = DiffusionFolder.PrecisionName(unet.SampleType);
            var capabilities = DiffusionFolder.Capabilities(manifest, ImageModelFamily.StableDiffusionXL,
                imageToImage: vaeEncoder is not null, inpainting: vaeEncoder is not null, defaultSize: DefaultSize, precision: precision,
                schedulers: Schedulers(ReadSchedulerClass(modelDirectory)), defaultSteps: 30, defaultGuidance: 5f);
            logger.LogInformation("Loaded SDXL model {ModelId} on {Device} (UNet input channels {Channels}, {Precision}, timestep {TimestepType} rank {TimestepRank}, text {First}+{Second})",
                manifest.Id, selection.Status.Device, unet.InChannels, precision, unet.TimestepType, unet.TimestepRank, first.HiddenOutput, second.HiddenOutput);
            return new StableDiffusionXLModel(manifest, selection.Status, ModelFolder.WeightBytes(modelDirectory), tokenizers, (first, second), unet,
                vaeDecoder, vaeEncoder, schedulerConfig, DiffusionFolder.ReadScalingFactor(modelDirectory, DefaultScalingFactor),
                ReadForceZeros(modelDirectory), capabilities);
        }
        catch
        {
            foreach (var session in opened)
            {
                session.Dispose();
            }

            throw;
        }

        TextEncoder OpenEncoder(string file, bool pooled)
        {
            var session = Open(file, [TextEncoder.InputName], pooled ? [TextEncoder.ProjectedPooledName] : []);
            try
            {
                return Own(new TextEncoder(session, TextEncoder.PenultimateHiddenState(session.OutputMetadata.Keys, file), pooled ? TextEncoder.ProjectedPooledName : null));
            }
            catch (ModelLoadException ex) when (!ex.Message.StartsWith(file, StringComparison.Ordinal))
            {
                session.Dispose();
                throw new ModelLoadException($"{file}: {ex.Message}", ex);
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }

        T Own<T>(T stage) where T : IDisposable
        {
            opened.Add(stage);
            return stage;
        }

        InferenceSession Open(string relativePath, string[] inputs, string[] outputs) =>
            OnnxModelFile.Open(modelDirectory, relativePath, selection.Options, inputs, outputs);
    }

    /// <summary>Widths the export fixes must agree: hidden sizes add up to the UNet's context width, the pooled width is <c>text_embeds</c>', six time ids.</summary>
    private static void CheckUNetConditioning(UNetDenoiser unet, TextEncoder first, TextEncoder second)
    {
        var metadata = unet.InputMetadata;
        foreach (var name in new[] { SdxlConditioning.TextEmbedsName, SdxlConditioning.TimeIdsName })
        {
            if (!OnnxTensorTypes.IsFloating(metadata[name].ElementDataType) || metadata[name].Dimensions.Length != 2)
            {
                throw new ModelLoadException($"unet/model.onnx: input '{name}' is {metadata[name].ElementDataType} of rank {metadata[name].Dimensions.Length}; a floating [batch, n] tensor was expected.");
            }
        }

        var timeIds = metadata[SdxlConditioning.TimeIdsName].Dimensions[1];
        if (timeIds > 0 && timeIds != SdxlConditioning.TimeIdsWidth)
        {
            throw new ModelLoadException($"unet/model.onnx: input 'time_ids' takes {timeIds} values; SDXL base/Turbo take {SdxlConditioning.TimeIdsWidth} (5 is the refiner's aesthetic-score layout, not supported).");
        }

        var context = metadata[UNetDenoiser.HiddenStatesName].Dimensions;
        if (context.Length == 3 && context[2] > 0 && first.HiddenSize is { } a && second.HiddenSize is { } b && a + b != context[2])
        {
            throw new ModelLoadException($"unet/model.onnx: 'encoder_hidden_states' is {context[2]} wide, the text encoders give {a} + {b}.");
        }

        var textEmbeds = metadata[SdxlConditioning.TextEmbedsName].Dimensions[1];
        if (textEmbeds > 0 && second.PooledSize is { } pooled && pooled != textEmbeds)
        {
            throw new ModelLoadException($"unet/model.onnx: 'text_embeds' is {textEmbeds} wide, text_encoder_2's 'text_embeds' output {pooled}.");
        }
    }

    /// <summary>The scheduler the folder ships first (SDXL: Euler, SDXL-Turbo: Euler ancestral), then the others that fit SDXL.</summary>
    private static SchedulerKind[] Schedulers(string? className)
    {
        SchedulerKind[] all = [SchedulerKind.Euler, SchedulerKind.EulerAncestral, SchedulerKind.Ddim, SchedulerKind.Lms];
        var shipped = className switch
        {
            "EulerAncestralDiscreteScheduler" => SchedulerKind.EulerAncestral,
            "DDIMScheduler" => SchedulerKind.Ddim,
            "LMSDiscreteScheduler" => SchedulerKind.Lms,
            _ => SchedulerKind.Euler,
        };
        return [shipped, .. all.Where(k => k != shipped)];
    }

    private static string? ReadSchedulerClass(string modelDirectory) =>
        ReadJson(Path.Combine(modelDirectory, "scheduler", "scheduler_config.json"), null, root =>
            root.TryGetProperty("_class_name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null);

    private static bool ReadForceZeros(string modelDirectory) =>
        ReadJson(Path.Combine(modelDirectory, DiffusionModelIndex.FileName), true, root =>
            !root.TryGetProperty("force_zeros_for_empty_prompt", out var value) || value.ValueKind != JsonValueKind.False);

    // Both files were parsed already (model_index.json to pick the family, the scheduler config by SchedulerConfig).
    private static T ReadJson<T>(string path, T fallback, Func<JsonElement, T> read)
    {
        if (!File.Exists(path))
        {
            return fallback;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.ValueKind == JsonValueKind.Object ? read(document.RootElement) : fallback;
    }
}
