using System.Text.Json;
using Microsoft.Extensions.Logging;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Diffusion.Schedulers;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Diffusion;

/// <summary>A loaded Stable Diffusion model: tokenizer, ONNX sessions and scheduler config. Sessions are shared by requests.</summary>
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
    float scalingFactor) : ILoadedModel
{
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

    public ValueTask DisposeAsync()
    {
        textEncoder.Dispose();
        unet.Dispose();
        vaeDecoder.Dispose();
        vaeEncoder?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Loads <see cref="ModelKind.Diffusion"/> models in the diffusers/optimum ONNX folder layout.</summary>
internal sealed class DiffusionModelLoader(ExecutionProviderSelector selector, ILogger<DiffusionModelLoader> logger) : IModelLoader
{
    public const float DefaultScalingFactor = 0.18215f;

    public IReadOnlyCollection<ModelKind> Kinds { get; } = [ModelKind.Diffusion];

    public Task<ILoadedModel> LoadAsync(ModelManifest manifest, string modelDirectory, CancellationToken cancellationToken) =>
        Task.Run(() => Load(manifest, modelDirectory, cancellationToken), cancellationToken);

    private ILoadedModel Load(ModelManifest manifest, string modelDirectory, CancellationToken cancellationToken)
    {
        ClipTokenizer tokenizer;
        SchedulerConfig schedulerConfig;
        try
        {
            tokenizer = ClipTokenizer.Load(Path.Combine(modelDirectory, "tokenizer"));
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or JsonException or ArgumentException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"tokenizer: {ex.Message}", ex);
        }

        try
        {
            schedulerConfig = SchedulerConfig.Load(Path.Combine(modelDirectory, "scheduler", "scheduler_config.json"));
        }
        catch (Exception ex) when (ex is IOException or JsonException or InvalidOperationException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"scheduler/scheduler_config.json: {ex.Message}", ex);
        }

        return selector.CreateWithFallback(selection => CreateSessions(manifest, modelDirectory, selection, tokenizer, schedulerConfig, cancellationToken));
    }

    private DiffusionModel CreateSessions(ModelManifest manifest, string modelDirectory, DeviceSelection selection, ClipTokenizer tokenizer,
        SchedulerConfig schedulerConfig, CancellationToken cancellationToken)
    {
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

            var residentBytes = Directory.EnumerateFiles(modelDirectory, "*.onnx*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            logger.LogInformation("Loaded diffusion model {ModelId} on {Device} (UNet input channels {Channels}, timestep {TimestepType} rank {TimestepRank})",
                manifest.Id, selection.Status.Device, unet.InChannels, unet.TimestepType, unet.TimestepRank);
            return new DiffusionModel(manifest, selection.Status, residentBytes, tokenizer, textEncoder, unet, vaeDecoder, vaeEncoder,
                schedulerConfig, ReadScalingFactor(modelDirectory));
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

    private static float ReadScalingFactor(string modelDirectory)
    {
        var path = Path.Combine(modelDirectory, "vae_decoder", "config.json");
        if (!File.Exists(path))
        {
            return DefaultScalingFactor;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.TryGetProperty("scaling_factor", out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetSingle()
            : DefaultScalingFactor;
    }
}
