using System.Text.Json;
using Microsoft.Extensions.Logging;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Diffusion.Schedulers;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Diffusion;

/// <summary>A loaded Stable Diffusion 1.x/2.x model: tokenizer, ONNX sessions and scheduler config. Sessions are shared by requests.</summary>
internal sealed class DiffusionModel(
    ModelManifest manifest,
    DeviceStatus device,
    long residentBytes,
    ClipTokenizer tokenizer,
    TextEncoder textEncoder,
    UNetDenoiser unet,
    VaeDecoder vaeDecoder,
    VaeEncoder? vaeEncoder,
    SchedulerConfig schedulerConfig,
    float scalingFactor,
    ImageModelCapabilities capabilities) : IDiffusionModel, IUNetDiffusionModel
{
    public ImageModelCapabilities Capabilities => capabilities;
    public IDiffusionPipeline CreatePipeline(ILogger logger) => new StableDiffusionPipeline(this, logger);
    public ModelManifest Manifest => manifest;
    public long ResidentBytes => residentBytes;
    public DeviceStatus Device => device;
    public ClipTokenizer Tokenizer => tokenizer;
    public TextEncoder TextEncoder => textEncoder;
    public UNetDenoiser UNet => unet;
    public VaeDecoder VaeDecoder => vaeDecoder;
    public VaeEncoder? VaeEncoder => vaeEncoder;
    public SchedulerConfig SchedulerConfig => schedulerConfig;
    /// <summary>VAE latent scaling (0.18215 for SD 1.x/2.x), from <c>vae_decoder/config.json</c> when present.</summary>
    public float ScalingFactor => scalingFactor;
    public bool IsInpainting => unet.InChannels == 9;
    public bool BlendsInpaintingLatents => false;

    public UNetConditioning EncodePrompt(ImageRequest request, bool guided, List<string> warnings, Microsoft.ML.OnnxRuntime.RunOptions runOptions)
    {
        var encoded = textEncoder.Encode(PromptTokens.Rows(tokenizer, request, guided, warnings), runOptions);
        return new UNetConditioning(encoded.Hidden, encoded.HiddenSize, []);
    }

    public ValueTask DisposeAsync()
    {
        textEncoder.Dispose();
        unet.Dispose();
        vaeDecoder.Dispose();
        vaeEncoder?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Loads <see cref="ModelKind.Diffusion"/> models in the diffusers/optimum ONNX folder layout: reads
/// <c>model_index.json</c> to tell the family, then lets that family's <see cref="IDiffusionFamilyLoader"/> open the
/// sessions on the selected device (CUDA with CPU fallback).
/// </summary>
internal sealed class DiffusionModelLoader(ExecutionProviderSelector selector, IEnumerable<IDiffusionFamilyLoader> families) : IModelLoader
{
    private readonly IDiffusionFamilyLoader[] families = families.ToArray();

    public IReadOnlyCollection<ModelKind> Kinds { get; } = [ModelKind.Diffusion];

    /// <summary>Every family loader of this build, one line per family (also used by tests and the benchmark).</summary>
    public static IDiffusionFamilyLoader[] AllFamilies(ILoggerFactory loggers) =>
    [
        new StableDiffusionModelLoader(loggers.CreateLogger<StableDiffusionModelLoader>()),
        new StableDiffusionXLModelLoader(loggers.CreateLogger<StableDiffusionXLModelLoader>()),
        new Flux.FluxModelLoader(loggers.CreateLogger<Flux.FluxModelLoader>()),
    ];

    /// <summary>A loader for every family of this build on <paramref name="selector"/>'s device.</summary>
    public static DiffusionModelLoader Create(ExecutionProviderSelector selector, ILoggerFactory loggers) => new(selector, AllFamilies(loggers));

    public Task<ILoadedModel> LoadAsync(ModelManifest manifest, string modelDirectory, CancellationToken cancellationToken) =>
        Task.Run(() => Load(manifest, modelDirectory, cancellationToken), cancellationToken);

    private ILoadedModel Load(ModelManifest manifest, string modelDirectory, CancellationToken cancellationToken)
    {
        var index = DiffusionModelIndex.Read(modelDirectory);
        var loader = families.FirstOrDefault(f => f.Family == index.Family)
                     ?? throw new ModelLoadException($"model_index.json: {index.ClassName ?? "this layout"} is a {index.Family} model, which this build cannot run.");
        return selector.CreateWithFallback(selection => loader.Load(manifest, modelDirectory, selection, cancellationToken));
    }
}

/// <summary>The parts of a diffusers <c>model_index.json</c> that tell the family: the pipeline class and its components.</summary>
/// <param name="ClassName">The diffusers pipeline class, for example <c>OnnxStableDiffusionInpaintPipeline</c>.</param>
/// <param name="Components">The components the folder declares (<c>unet</c>, <c>transformer</c>, <c>text_encoder_2</c> ...).</param>
public sealed record DiffusionModelIndex(string? ClassName, IReadOnlySet<string> Components)
{
    /// <summary>The file name inside a model folder.</summary>
    public const string FileName = "model_index.json";

    /// <summary>True for an inpainting export (its pipeline class says so), known without loading the UNet.</summary>
    public bool IsInpaintingExport => ClassName?.Contains("Inpaint", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>FLUX has a <c>transformer</c>; SDXL a second text encoder; everything else is SD 1.x/2.x.</summary>
    public ImageModelFamily Family =>
        Components.Contains("transformer") || ClassName?.Contains("Flux", StringComparison.OrdinalIgnoreCase) == true ? ImageModelFamily.Flux
        : Components.Contains("text_encoder_2") || ClassName?.Contains("XL", StringComparison.Ordinal) == true ? ImageModelFamily.StableDiffusionXL
        : ImageModelFamily.StableDiffusion;

    /// <summary>Reads the index; a folder without one is treated as Stable Diffusion 1.x/2.x (older hand-made layouts).</summary>
    /// <exception cref="ModelLoadException">The file exists but is not valid JSON.</exception>
    public static DiffusionModelIndex Read(string modelDirectory)
    {
        var path = Path.Combine(modelDirectory, FileName);
        if (!File.Exists(path))
        {
            return new DiffusionModelIndex(null, new HashSet<string>());
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ModelLoadException($"{FileName}: not a JSON object.");
            }

            var className = root.TryGetProperty("_class_name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
            var components = root.EnumerateObject()
                .Where(p => !p.Name.StartsWith('_') && p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() == 2 && p.Value[0].ValueKind != JsonValueKind.Null)
                .Select(p => p.Name)
                .ToHashSet(StringComparer.Ordinal);
            return new DiffusionModelIndex(className, components);
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException($"{FileName}: not valid JSON ({ex.Message}).", ex);
        }
        catch (IOException ex)
        {
            throw new ModelLoadException($"{FileName}: cannot be read ({ex.Message}).", ex);
        }
    }
}

/// <summary>Loads Stable Diffusion 1.x/2.x (and Turbo/LCM) folders: CLIP tokenizer, text encoder, UNet, VAE decoder and optional encoder.</summary>
internal sealed class StableDiffusionModelLoader(ILogger<StableDiffusionModelLoader> logger) : IDiffusionFamilyLoader
{
    public const float DefaultScalingFactor = 0.18215f;

    public ImageModelFamily Family => ImageModelFamily.StableDiffusion;

    public IDiffusionModel Load(ModelManifest manifest, string modelDirectory, DeviceSelection selection, CancellationToken cancellationToken)
    {
        var tokenizer = DiffusionFolder.LoadTokenizer(modelDirectory, "tokenizer");
        var schedulerConfig = DiffusionFolder.LoadSchedulerConfig(modelDirectory);
        var opened = new List<IDisposable>();
        try
        {
            var textEncoder = new TextEncoder(Open("text_encoder/model.onnx", [TextEncoder.InputName], [TextEncoder.OutputName]));
            opened.Add(textEncoder);
            cancellationToken.ThrowIfCancellationRequested();
            var unet = new UNetDenoiser(Open("unet/model.onnx", [UNetDenoiser.SampleName, UNetDenoiser.TimestepName, UNetDenoiser.HiddenStatesName], [UNetDenoiser.OutputName]));
            opened.Add(unet);
            cancellationToken.ThrowIfCancellationRequested();
            var vaeDecoder = new VaeDecoder(Open("vae_decoder/model.onnx", [VaeDecoder.InputName], [VaeDecoder.OutputName]));
            opened.Add(vaeDecoder);
            VaeEncoder? vaeEncoder = null;
            if (File.Exists(Path.Combine(modelDirectory, "vae_encoder", "model.onnx")))
            {
                vaeEncoder = new VaeEncoder(Open("vae_encoder/model.onnx", [VaeEncoder.InputName], []));
                opened.Add(vaeEncoder);
            }

            if (unet.InChannels == 9 && vaeEncoder is null)
            {
                throw new ModelLoadException("vae_encoder/model.onnx: file missing; an inpainting UNet needs it.");
            }

            var residentBytes = ModelFolder.WeightBytes(modelDirectory);
            logger.LogInformation("Loaded diffusion model {ModelId} on {Device} (UNet input channels {Channels}, {Precision}, timestep {TimestepType} rank {TimestepRank})",
                manifest.Id, selection.Status.Device, unet.InChannels, DiffusionFolder.PrecisionName(unet.SampleType), unet.TimestepType, unet.TimestepRank);
            var capabilities = DiffusionFolder.Capabilities(manifest, ImageModelFamily.StableDiffusion,
                imageToImage: vaeEncoder is not null, inpainting: unet.InChannels == 9, defaultSize: DiffusionFolder.ReadNativeSize(modelDirectory, "unet", 512),
                precision: DiffusionFolder.PrecisionName(unet.SampleType),
                schedulers: schedulerConfig.ShippedFirst([SchedulerKind.Euler, SchedulerKind.EulerAncestral, SchedulerKind.Ddim, SchedulerKind.Lms, SchedulerKind.Lcm]));
            return new DiffusionModel(manifest, selection.Status, residentBytes, tokenizer, textEncoder, unet, vaeDecoder, vaeEncoder,
                schedulerConfig, DiffusionFolder.ReadScalingFactor(modelDirectory, DefaultScalingFactor), capabilities);
        }
        catch
        {
            foreach (var session in opened)
            {
                session.Dispose();
            }

            throw;
        }

        Microsoft.ML.OnnxRuntime.InferenceSession Open(string relativePath, string[] inputs, string[] outputs) =>
            OnnxModelFile.Open(modelDirectory, relativePath, selection.Options, inputs, outputs);
    }
}

/// <summary>Reading the shared parts of a diffusers folder (tokenizers, scheduler and VAE configs) with errors that name the file.</summary>
internal static class DiffusionFolder
{
    public static ClipTokenizer LoadTokenizer(string modelDirectory, string folder)
    {
        try
        {
            return ClipTokenizer.Load(Path.Combine(modelDirectory, folder));
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or JsonException or ArgumentException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{folder}: {ex.Message}", ex);
        }
    }

    public static SchedulerConfig LoadSchedulerConfig(string modelDirectory)
    {
        try
        {
            return SchedulerConfig.Load(Path.Combine(modelDirectory, "scheduler", "scheduler_config.json"));
        }
        catch (Exception ex) when (ex is IOException or JsonException or InvalidOperationException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"scheduler/scheduler_config.json: {ex.Message}", ex);
        }
    }

    /// <summary>A number from <c>vae_decoder/config.json</c> (for example <c>scaling_factor</c>, <c>shift_factor</c>), or the fallback.</summary>
    public static float ReadScalingFactor(string modelDirectory, float fallback, string property = "scaling_factor")
    {
        var path = Path.Combine(modelDirectory, "vae_decoder", "config.json");
        if (!File.Exists(path))
        {
            return fallback;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number
                ? value.GetSingle()
                : fallback;
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException($"vae_decoder/config.json: not valid JSON ({ex.Message}).", ex);
        }
    }

    /// <summary>
    /// The denoiser's native image size: <c>sample_size</c> × 8 from <c>&lt;folder&gt;/config.json</c> (96 → 768 for
    /// SD 2.1 768-v, 128 → 1024 for SDXL), as diffusers pipelines default to; the fallback when the export has no config.
    /// </summary>
    public static int ReadNativeSize(string modelDirectory, string folder, int fallback)
    {
        var path = Path.Combine(modelDirectory, folder, "config.json");
        if (!File.Exists(path))
        {
            return fallback;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("sample_size", out var size)
                   && size.ValueKind == JsonValueKind.Number && size.TryGetInt32(out var latent) && latent is > 0 and <= 512
                ? latent * 8
                : fallback;
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException($"{folder}/config.json: not valid JSON ({ex.Message}).", ex);
        }
    }

    public static string PrecisionName(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType type) => type switch
    {
        Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16 => "float16",
        Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.BFloat16 => "bfloat16",
        _ => "float32",
    };

    /// <summary>
    /// Capabilities with the defaults a manifest may override (<c>DefaultParameters</c>: width, height, steps,
    /// guidance, max_steps). A distilled model (guidance 0 by default, at most 4 steps) runs without guidance.
    /// </summary>
    public static ImageModelCapabilities Capabilities(ModelManifest manifest, ImageModelFamily family, bool imageToImage, bool inpainting,
        int defaultSize, string precision, IReadOnlyList<SchedulerKind> schedulers, int defaultSteps = 20, float defaultGuidance = 7.5f, int? maxSteps = null)
    {
        var p = manifest.DefaultParameters;
        var guidance = p.TryGetValue("guidance", out var g) ? (float)g : defaultGuidance;
        int? max = p.TryGetValue("max_steps", out var m) ? (int)m : maxSteps;
        var usesGuidance = guidance > 1f;
        return new ImageModelCapabilities(
            family,
            imageToImage,
            inpainting,
            NegativePrompt: usesGuidance,
            Guidance: usesGuidance,
            DefaultWidth: p.TryGetValue("width", out var w) ? (int)w : defaultSize,
            DefaultHeight: p.TryGetValue("height", out var h) ? (int)h : defaultSize,
            DefaultSteps: p.TryGetValue("steps", out var s) ? (int)s : defaultSteps,
            MaxSteps: max,
            DefaultGuidance: guidance,
            schedulers,
            precision);
    }
}
