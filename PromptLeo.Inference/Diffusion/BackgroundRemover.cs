using System.Globalization;
using System.Numerics.Tensors;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Models;
using SkiaSharp;

namespace PromptLeo.Inference.Diffusion;

/// <summary>Keys of <see cref="ModelManifest.Settings"/> read for <see cref="ModelKind.BackgroundRemoval"/> models.</summary>
public static class BackgroundRemovalSettings
{
    /// <summary>Square input size S of the model ([1,3,S,S]), for example 320 for U²-Net or 1024 for BiRefNet.</summary>
    public const string InputSize = "inputSize";
    /// <summary>Comma-separated per-channel mean on the 0..1 scale, for example <c>0.485,0.456,0.406</c>.</summary>
    public const string Mean = "mean";
    /// <summary>Comma-separated per-channel standard deviation on the 0..1 scale, for example <c>0.229,0.224,0.225</c>.</summary>
    public const string Std = "std";
    /// <summary><c>minmax</c> stretches the mask to 0..1 (as rembg does); <c>none</c> uses it as is.</summary>
    public const string MaskNormalization = "maskNormalization";
}

/// <summary>A loaded segmentation model: one image in, one mask out.</summary>
internal sealed class BackgroundRemovalModel : ILoadedModel
{
    private readonly InferenceSession session;
    private readonly string inputName;
    private readonly string outputName;
    private readonly float[] mean;
    private readonly float[] std;
    private readonly bool minMax;

    public BackgroundRemovalModel(ModelManifest manifest, DeviceStatus device, long residentBytes, InferenceSession session)
    {
        Manifest = manifest;
        Device = device;
        ResidentBytes = residentBytes;
        this.session = session;
        inputName = session.InputMetadata.Keys.First();
        outputName = session.OutputMetadata.Keys.First();
        var dims = session.InputMetadata[inputName].Dimensions;
        InputSize = manifest.Settings.TryGetValue(BackgroundRemovalSettings.InputSize, out var size)
            ? int.Parse(size, CultureInfo.InvariantCulture)
            : dims.Length == 4 && dims[3] > 0 ? dims[3] : 320;
        mean = Floats(manifest, BackgroundRemovalSettings.Mean, [0.485f, 0.456f, 0.406f]);
        std = Floats(manifest, BackgroundRemovalSettings.Std, [0.229f, 0.224f, 0.225f]);
        minMax = !manifest.Settings.TryGetValue(BackgroundRemovalSettings.MaskNormalization, out var normalization) || normalization != "none";
    }

    public ModelManifest Manifest { get; }
    public long ResidentBytes { get; }
    public DeviceStatus Device { get; }
    public int InputSize { get; }

    /// <summary>Returns an RGBA PNG of <paramref name="image"/> at its own size with the mask as alpha.</summary>
    public byte[] Remove(SKBitmap image, CancellationToken cancellationToken)
    {
        var size = InputSize;
        var input = new float[3 * size * size];
        using (var resized = ImageCodec.Resize(image, size, size))
        {
            ImageCodec.ToPlanar(resized, input, mean, std);
        }

        var mask = new float[size * size];
        using var runOptions = new RunOptions();
        using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [1, 3, size, size]);
        using (var outputs = session.Run(runOptions, [inputName], [inputValue], [outputName]))
        {
            outputs[0].GetTensorDataAsSpan<float>()[..mask.Length].CopyTo(mask);
        }

        if (minMax)
        {
            var min = TensorPrimitives.Min(mask);
            var range = TensorPrimitives.Max(mask) - min;
            TensorPrimitives.Add(mask, -min, mask);
            TensorPrimitives.Multiply(mask, range > 1e-6f ? 1f / range : 0f, mask);
        }

        using var maskBitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var maskPixels = maskBitmap.GetPixelSpan();
        for (var i = 0; i < mask.Length; i++)
        {
            var value = (byte)Math.Clamp(mask[i] * 255f + 0.5f, 0f, 255f);
            maskPixels[i * 4] = maskPixels[i * 4 + 1] = maskPixels[i * 4 + 2] = value;
            maskPixels[i * 4 + 3] = 255;
        }

        using var fullMask = ImageCodec.Resize(maskBitmap, image.Width, image.Height);
        using var output = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var source = image.GetPixelSpan();
        var alpha = fullMask.GetPixelSpan();
        var target = output.GetPixelSpan();
        for (var i = 0; i < image.Width * image.Height; i++)
        {
            target[i * 4] = source[i * 4];
            target[i * 4 + 1] = source[i * 4 + 1];
            target[i * 4 + 2] = source[i * 4 + 2];
            target[i * 4 + 3] = (byte)(source[i * 4 + 3] * alpha[i * 4] / 255);
        }

        // The cut-out keeps only the user's own pixels; the model computes the alpha, it adds no content.
        return ImageCodec.Encode(output, provenance: new ImageProvenance(DigitalSourceType.AlgorithmicallyEnhanced, Manifest.Id));
    }

    public ValueTask DisposeAsync()
    {
        session.Dispose();
        return ValueTask.CompletedTask;
    }

    private static float[] Floats(ModelManifest manifest, string key, float[] fallback) =>
        manifest.Settings.TryGetValue(key, out var text)
            ? text.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray() is { Length: 3 } values
                ? values
                : throw new ModelLoadException($"manifest.json: setting '{key}' needs three comma-separated numbers.")
            : fallback;
}

/// <summary>Loads <see cref="ModelKind.BackgroundRemoval"/> models: a single <c>model.onnx</c> with image in, mask out.</summary>
internal sealed class BackgroundRemovalModelLoader(ExecutionProviderSelector selector, ILogger<BackgroundRemovalModelLoader> logger) : IModelLoader
{
    public const string FileName = "model.onnx";

    public IReadOnlyCollection<ModelKind> Kinds { get; } = [ModelKind.BackgroundRemoval];

    public Task<ILoadedModel> LoadAsync(ModelManifest manifest, string modelDirectory, CancellationToken cancellationToken) =>
        Task.Run(ILoadedModel () => selector.CreateWithFallback(selection =>
        {
            var session = OnnxModelFile.Open(modelDirectory, FileName, selection.Options, [], []);
            try
            {
                if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count < 1 || session.InputMetadata.Values.First().Dimensions.Length != 4)
                {
                    throw new ModelLoadException($"{FileName}: expected one image input [1,3,S,S] and a mask output (has inputs: {string.Join(", ", session.InputMetadata.Keys)}).");
                }

                var model = new BackgroundRemovalModel(manifest, selection.Status, new FileInfo(Path.Combine(modelDirectory, FileName)).Length, session);
                logger.LogInformation("Loaded background-removal model {ModelId} on {Device} (input {InputSize}px)", manifest.Id, selection.Status.Device, model.InputSize);
                return model;
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }), cancellationToken);
}
