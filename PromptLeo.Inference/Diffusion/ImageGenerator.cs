using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Diffusion;

/// <summary>
/// <see cref="IImageGenerator"/> over the model registry: validates the request (throwing
/// <see cref="ImageRequestException"/> before any inference), acquires the model, and runs the pipeline on the
/// thread pool with at most <see cref="DiffusionOptions.MaxConcurrentGenerations"/> at a time.
/// </summary>
internal sealed class ImageGenerator(IModelRegistry registry, IOptions<DiffusionOptions> options, DiffusionMetrics metrics, ILogger<ImageGenerator> logger) : IImageGenerator, IDisposable
{
    private readonly SemaphoreSlim gate = new(options.Value.MaxConcurrentGenerations, options.Value.MaxConcurrentGenerations);

    public async Task<ImageResult> GenerateAsync(ImageRequest request, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        var settings = options.Value;
        using var init = request.InitImage is null ? null : DecodeUpload(request.InitImage, nameof(ImageRequest.InitImage));
        using var mask = request.Mask is null ? null : DecodeUpload(request.Mask, nameof(ImageRequest.Mask));

        using var lease = await registry.AcquireAsync(request.ModelId, cancellationToken);
        var model = lease.Model as IDiffusionModel
                    ?? throw new ImageRequestException(nameof(ImageRequest.ModelId), $"model '{request.ModelId}' is not an image generation model.");
        var pipeline = model.CreatePipeline(logger);
        // The family's own check first: its messages name the exact reason (for example the UNet's channel count).
        pipeline.ValidateFor(request);
        ValidateCapabilities(request, model.Capabilities);
        var job = new DiffusionJob(
            request,
            request.Seed ?? Random.Shared.NextInt64(0, uint.MaxValue),
            init is null ? null : ToPixels(init, request.Width, request.Height),
            mask is null ? null : ToMask(mask, request.Width, request.Height));

        var modelTag = new KeyValuePair<string, object?>("model", request.ModelId);
        // Counted as queued only when it has to wait for a slot.
        if (!gate.Wait(0, CancellationToken.None))
        {
            metrics.QueueDepth.Add(1, modelTag);
            try
            {
                await gate.WaitAsync(cancellationToken);
            }
            finally
            {
                metrics.QueueDepth.Add(-1, modelTag);
            }
        }
        metrics.ActiveGenerations.Add(1, modelTag);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await Task.Run(() => pipeline.Run(job, progress, cancellationToken), cancellationToken);
            metrics.Images.Add(result.Images.Count, modelTag);
            metrics.GenerationDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, modelTag);
            return result;
        }
        finally
        {
            metrics.ActiveGenerations.Add(-1, modelTag);
            gate.Release();
        }

        DecodedImage DecodeUpload(byte[] bytes, string field)
        {
            if (bytes.Length > settings.MaxUploadBytes)
            {
                throw new ImageRequestException(field, $"is {bytes.Length} bytes; at most {settings.MaxUploadBytes} are accepted.");
            }

            return ImageCodec.Decode(bytes, settings.MaxUploadPixelsPerSide, out var error)
                ?? throw new ImageRequestException(field, $"{error}.");
        }
    }

    public async Task<ImageModelCapabilities> DescribeAsync(string modelId, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(modelId))
        {
            throw new ImageRequestException("modelId", "is required.");
        }

        using var lease = await registry.AcquireAsync(modelId, cancellationToken);
        return (lease.Model as IDiffusionModel)?.Capabilities
               ?? throw new ImageRequestException(nameof(ImageRequest.ModelId), $"model '{modelId}' is not an image generation model.");
    }

    public async Task<byte[]> RemoveBackgroundAsync(string modelId, byte[] image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(modelId))
        {
            throw new ImageRequestException("modelId", "is required.");
        }

        if (image.Length > settings.MaxUploadBytes)
        {
            throw new ImageRequestException(nameof(image), $"is {image.Length} bytes; at most {settings.MaxUploadBytes} are accepted.");
        }

        using var decoded = ImageCodec.Decode(image, settings.MaxUploadPixelsPerSide, out var error)
            ?? throw new ImageRequestException(nameof(image), $"{error}.");
        using var lease = await registry.AcquireAsync(modelId, cancellationToken);
        if (lease.Model is not BackgroundRemovalModel model)
        {
            throw new ImageRequestException(nameof(modelId), $"model '{modelId}' is not a background-removal model.");
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            var png = await Task.Run(() => model.Remove(decoded.Bitmap, cancellationToken), cancellationToken);
            logger.LogInformation("Removed background with {ModelId} ({Width}x{Height})", modelId, decoded.Bitmap.Width, decoded.Bitmap.Height);
            return png;
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose() => gate.Dispose();

    /// <summary>Checks the model-independent fields; throws <see cref="ImageRequestException"/> naming the first bad one.</summary>
    internal void Validate(ImageRequest request)
    {
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(request.ModelId))
        {
            throw new ImageRequestException(nameof(ImageRequest.ModelId), "is required.");
        }

        if (string.IsNullOrWhiteSpace(request.Prompt))
        {
            throw new ImageRequestException(nameof(ImageRequest.Prompt), "must not be empty.");
        }

        CheckSize(nameof(ImageRequest.Width), request.Width, settings.MaxWidth);
        CheckSize(nameof(ImageRequest.Height), request.Height, settings.MaxHeight);
        if (request.Steps < 1 || request.Steps > settings.MaxSteps)
        {
            throw new ImageRequestException(nameof(ImageRequest.Steps), $"must be between 1 and {settings.MaxSteps}, was {request.Steps}.");
        }

        if (!float.IsFinite(request.GuidanceScale) || request.GuidanceScale < 0)
        {
            throw new ImageRequestException(nameof(ImageRequest.GuidanceScale), $"must be 0 or more, was {request.GuidanceScale}.");
        }

        if (request.BatchSize < 1 || request.BatchSize > settings.MaxBatchSize)
        {
            throw new ImageRequestException(nameof(ImageRequest.BatchSize), $"must be between 1 and {settings.MaxBatchSize}, was {request.BatchSize}.");
        }

        if (request.InitImage is not null && (!float.IsFinite(request.Strength) || request.Strength <= 0 || request.Strength > 1))
        {
            throw new ImageRequestException(nameof(ImageRequest.Strength), $"must be in (0, 1], was {request.Strength}.");
        }

        if (request.PreviewEvery < 0)
        {
            throw new ImageRequestException(nameof(ImageRequest.PreviewEvery), "must be 0 (off) or more.");
        }

        if (!Enum.IsDefined(request.Scheduler))
        {
            throw new ImageRequestException(nameof(ImageRequest.Scheduler), $"'{request.Scheduler}' is not a known scheduler.");
        }

        void CheckSize(string field, int value, int max)
        {
            if (value % 8 != 0)
            {
                throw new ImageRequestException(field, $"must be a multiple of 8, was {value}.");
            }

            if (value < settings.MinSize || value > max)
            {
                throw new ImageRequestException(field, $"must be between {settings.MinSize} and {max}, was {value}.");
            }
        }
    }

    /// <summary>Refuses what the model's family cannot do, naming the field, before any inference.</summary>
    internal static void ValidateCapabilities(ImageRequest request, ImageModelCapabilities capabilities)
    {
        if (!capabilities.Schedulers.Contains(request.Scheduler))
        {
            throw new ImageRequestException(nameof(ImageRequest.Scheduler),
                $"'{request.Scheduler}' is not available for this model; use one of: {string.Join(", ", capabilities.Schedulers)}.");
        }

        if (capabilities.MaxSteps is { } maxSteps && request.Steps > maxSteps)
        {
            throw new ImageRequestException(nameof(ImageRequest.Steps), $"this model is distilled for at most {maxSteps} steps, was {request.Steps}.");
        }

        if (request.InitImage is not null && !capabilities.ImageToImage)
        {
            throw new ImageRequestException(nameof(ImageRequest.InitImage), "this model cannot start from an image.");
        }

        if (request.Mask is not null && !capabilities.Inpainting)
        {
            throw new ImageRequestException(nameof(ImageRequest.Mask), "this model cannot repaint a masked region (it is not an inpainting model).");
        }
    }

    private static float[] ToPixels(DecodedImage image, int width, int height)
    {
        using var resized = ImageCodec.Resize(image.Bitmap, width, height);
        var pixels = new float[3 * width * height];
        ImageCodec.ToPlanar(resized, pixels, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);
        return pixels;
    }

    private static float[] ToMask(DecodedImage image, int width, int height)
    {
        using var resized = ImageCodec.Resize(image.Bitmap, width, height);
        var mask = new float[width * height];
        ImageCodec.ToLuminance(resized, mask);
        return mask;
    }
}
