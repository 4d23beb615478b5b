using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Records;
using ImageRow = PromptLeo.Web.Data.GeneratedImage;

namespace PromptLeo.Web.Features.Images;

/// <summary>What the studio form asks for. <see cref="BatchCount"/> images are generated one after another (seed + i).</summary>
public sealed record StudioRequest
{
    public required string ModelId { get; init; }
    public required string Prompt { get; init; }
    public string NegativePrompt { get; init; } = "";
    public int Width { get; init; } = 256;
    public int Height { get; init; } = 256;
    public int Steps { get; init; } = 20;
    public float Guidance { get; init; } = 7.5f;
    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Euler;
    /// <summary>Null picks a random seed.</summary>
    public long? Seed { get; init; }
    public int BatchCount { get; init; } = 1;
    /// <summary>Encoded input image for img2img (or inpainting with <see cref="Mask"/>).</summary>
    public byte[]? InitImage { get; init; }
    public float Strength { get; init; } = 0.75f;
    public byte[]? Mask { get; init; }
}

/// <summary>Progress of a batch: image <see cref="Image"/> (1-based) of <see cref="ImageCount"/>, step of that image.</summary>
public sealed record StudioProgress(int Image, int ImageCount, int Step, int TotalSteps, byte[]? PreviewPng)
{
    /// <summary>Overall progress in percent over the whole batch.</summary>
    public double Percent => TotalSteps == 0 || ImageCount == 0 ? 0 : 100.0 * ((Image - 1) * TotalSteps + Step) / (ImageCount * TotalSteps);
}

/// <summary>One produced image: stored (<see cref="Id"/>) or, in zero-retention mode, only returned (<see cref="InlinePng"/>).</summary>
public sealed record StudioImage(Guid? Id, byte[]? InlinePng, int Width, int Height, long Seed);

public sealed record StudioResult(string RequestId, IReadOnlyList<StudioImage> Images, bool Cancelled, bool Stored, bool PromptTruncated);

/// <summary>
/// The image studio's use cases: checks the account, the budget and the limits, runs the engine, then writes the
/// encrypted images, the usage event and the processing record in one transaction.
/// </summary>
public sealed class ImageStudioService(
    IImageGenerator generator,
    IDbContextFactory<AppDbContext> dbFactory,
    UserContentCipher cipher,
    EncryptedFileStore files,
    InferenceAccessGuard guard,
    IUsageMeter meter,
    ProcessingRecordWriter records,
    ImageUploadValidator uploads,
    IOptions<ImagesOptions> options,
    IOptions<DiffusionOptions> engineOptions,
    ILogger<ImageStudioService> logger)
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, byte> activeUsers = new(StringComparer.Ordinal);
    private int pending;

    /// <summary>Generates <see cref="StudioRequest.BatchCount"/> images. Cancelling keeps (and charges) only the images already finished.</summary>
    /// <exception cref="ImageStudioException">Prompt too long or upload rejected.</exception>
    /// <exception cref="ImageRequestException">The engine rejected a field (size, steps, ...).</exception>
    /// <exception cref="ModelNotFoundException">The model is not (or no longer) installed.</exception>
    /// <exception cref="ProcessingRestrictedException">The account may not use the models.</exception>
    /// <exception cref="BudgetExceededException">The budget does not cover the batch.</exception>
    /// <exception cref="EngineBusyException">This user already runs a job, or the studio queue is full.</exception>
    public async Task<StudioResult> GenerateAsync(string userId, StudioRequest request, IProgress<StudioProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckPrompt(request.Prompt);
        CheckPrompt(request.NegativePrompt);
        var maxBatch = engineOptions.Value.MaxBatchSize;
        if (request.BatchCount < 1 || request.BatchCount > maxBatch)
        {
            throw new ImageRequestException(nameof(ImageRequest.BatchSize), $"must be between 1 and {maxBatch}, was {request.BatchCount}.");
        }
        if (request.InitImage is not null)
        {
            uploads.Validate(request.InitImage);
        }
        if (request.Mask is not null)
        {
            uploads.Validate(request.Mask);
        }
        var account = await guard.EnsureAllowedAsync(userId, cancellationToken);
        var kind = request.InitImage is null ? "txt2img" : request.Mask is null ? "img2img" : "inpaint";
        var purpose = kind == "txt2img" ? ProcessingPurpose.ImageGeneration : ProcessingPurpose.ImageEdit;

        using var slot = EnterSlot(userId, request.ModelId);
        var requestId = ProcessingRecordWriter.NewRequestId();
        await using var reservation = await meter.ReserveAsync(
            new UsageEstimate(userId, null, request.ModelId, UsageKind.Image, requestId, ImageCount: request.BatchCount, Width: request.Width, Height: request.Height, Steps: request.Steps),
            cancellationToken);

        var baseSeed = request.Seed ?? Random.Shared.NextInt64(0, uint.MaxValue);
        var produced = new List<Inference.Diffusion.GeneratedImage>();
        var truncated = false;
        var cancelled = false;
        var stepsRun = request.Steps;
        var parameters = new ImageParameters
        {
            Prompt = request.Prompt, NegativePrompt = request.NegativePrompt, Steps = request.Steps, Guidance = request.Guidance,
            Scheduler = request.Scheduler, Strength = request.InitImage is null ? null : request.Strength,
        };
        try
        {
            for (var i = 0; i < request.BatchCount; i++)
            {
                var index = i + 1;
                // One image per engine call, so a cancelled batch keeps what it finished and image i can be redone alone with seed + i.
                var result = await generator.GenerateAsync(
                    new ImageRequest
                    {
                        ModelId = request.ModelId, Prompt = request.Prompt, NegativePrompt = request.NegativePrompt,
                        Width = request.Width, Height = request.Height, Steps = request.Steps, GuidanceScale = request.Guidance,
                        Scheduler = request.Scheduler, Seed = baseSeed + i, BatchSize = 1,
                        InitImage = request.InitImage, Strength = request.Strength, Mask = request.Mask,
                        PreviewEvery = options.Value.PreviewEvery,
                    },
                    progress is null ? null : new Relay<ImageProgress>(p => progress.Report(new StudioProgress(index, request.BatchCount, p.Step, p.TotalSteps, p.PreviewPng))),
                    cancellationToken);
                produced.AddRange(result.Images);
                truncated |= result.Warnings.Count > 0;
                stepsRun = result.StepsRun;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
        }
        catch (Exception ex) when (produced.Count > 0)
        {
            // A later image failed (or its model went away): the finished ones are kept and charged, the error still shows.
            logger.LogWarning(ex, "Image request {RequestId} failed after {Produced} of {Requested} images", requestId, produced.Count, request.BatchCount);
            await StoreAsync(
                userId, account, requestId, kind, purpose, request.ModelId, "failed",
                produced.Select(p => (p.Png, p.Width, p.Height, p.Seed, parameters with { Seed = p.Seed })).ToList(),
                reservation, new UsageActual(ImageCount: produced.Count, Width: request.Width, Height: request.Height, Steps: stepsRun));
            throw;
        }
        catch (Exception ex) when (ex is not (ImageRequestException or ModelNotFoundException or ModelLoadException))
        {
            await WriteFailedRecordAsync(requestId, userId, purpose, request.ModelId);
            throw;
        }

        var images = await StoreAsync(
            userId, account, requestId, kind, purpose, request.ModelId, cancelled ? "cancelled" : "completed",
            produced.Select(p => (p.Png, p.Width, p.Height, p.Seed, parameters with { Seed = p.Seed })).ToList(),
            reservation, new UsageActual(ImageCount: produced.Count, Width: request.Width, Height: request.Height, Steps: stepsRun));
        logger.LogInformation("Image request {RequestId} for {UserId}: {Produced}/{Requested} images with {ModelId}, outcome {Outcome}",
            requestId, userId, produced.Count, request.BatchCount, request.ModelId, cancelled ? "cancelled" : "completed");
        return new StudioResult(requestId, images, cancelled, account.ImageRetentionDays is not 0, truncated);
    }

    /// <summary>Cuts the subject out of an uploaded image; the result is a PNG with transparency, stored like a generated image.</summary>
    public async Task<StudioResult> RemoveBackgroundAsync(string userId, string modelId, byte[] image, CancellationToken cancellationToken = default)
    {
        var upload = uploads.Validate(image);
        var account = await guard.EnsureAllowedAsync(userId, cancellationToken);
        using var slot = EnterSlot(userId, modelId);
        var requestId = ProcessingRecordWriter.NewRequestId();
        await using var reservation = await meter.ReserveAsync(
            new UsageEstimate(userId, null, modelId, UsageKind.Image, requestId, ImageCount: 1, Width: upload.Width, Height: upload.Height, Steps: 1), cancellationToken);
        byte[] png;
        try
        {
            png = await generator.RemoveBackgroundAsync(modelId, upload.Bytes, cancellationToken);
        }
        catch (Exception ex) when (ex is not (ImageRequestException or ModelNotFoundException or ModelLoadException or OperationCanceledException))
        {
            await WriteFailedRecordAsync(requestId, userId, ProcessingPurpose.BackgroundRemoval, modelId);
            throw;
        }
        var images = await StoreAsync(
            userId, account, requestId, "background-removal", ProcessingPurpose.BackgroundRemoval, modelId, "completed",
            [(png, upload.Width, upload.Height, 0L, new ImageParameters())],
            // One pass of the segmentation model is billed as one step, as on the API.
            reservation, new UsageActual(ImageCount: 1, Width: upload.Width, Height: upload.Height, Steps: 1));
        logger.LogInformation("Background removal {RequestId} for {UserId} with {ModelId}", requestId, userId, modelId);
        return new StudioResult(requestId, images, false, account.ImageRetentionDays is not 0, false);
    }

    private void CheckPrompt(string? prompt)
    {
        var max = options.Value.MaxPromptLength;
        if (prompt is not null && prompt.Length > max)
        {
            throw new ImageStudioException(StudioProblem.PromptTooLong, $"The prompt has {prompt.Length} characters; at most {max} are accepted.");
        }
    }

    private async Task<IReadOnlyList<StudioImage>> StoreAsync(
        string userId, InferenceAccount account, string requestId, string kind, string purpose, string modelId, string outcome,
        IReadOnlyList<(byte[] Png, int Width, int Height, long Seed, ImageParameters Parameters)> produced,
        IUsageReservation reservation, UsageActual actual)
    {
        // The user's cancel token may already be cancelled: the images finished so far and the bill are written regardless.
        var result = new List<StudioImage>();
        var written = new List<string>();
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        try
        {
            foreach (var image in produced)
            {
                if (account.ImageRetentionDays is 0)
                {
                    // Zero-retention mode: the picture goes back to the browser and is never written.
                    result.Add(new StudioImage(null, image.Png, image.Width, image.Height, image.Seed));
                    continue;
                }
                var row = new ImageRow
                {
                    UserId = userId, Kind = kind, ModelId = modelId, Width = image.Width, Height = image.Height,
                    RequestId = requestId, ByteSize = image.Png.Length,
                    ParametersCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.ImageParameters, image.Parameters.ToJson()),
                };
                row.FileName = $"{row.Id:N}.png";
                await files.WriteAsync(userId, row.FileName, ContentPurpose.ImageFile, image.Png);
                written.Add(row.FileName);
                db.GeneratedImages.Add(row);
                result.Add(new StudioImage(row.Id, null, image.Width, image.Height, image.Seed));
            }
            db.ProcessingRecords.Add(records.Create(requestId, userId, purpose, modelId, "portal", outcome));
            reservation.Settle(db, actual);
            await db.SaveChangesAsync(CancellationToken.None);
            return result;
        }
        catch
        {
            foreach (var name in written)
            {
                files.Delete(userId, name);
            }
            throw;
        }
    }

    private async Task WriteFailedRecordAsync(string requestId, string userId, string purpose, string modelId)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        db.ProcessingRecords.Add(records.Create(requestId, userId, purpose, modelId, "portal", "failed"));
        await db.SaveChangesAsync(CancellationToken.None);
    }

    private Slot EnterSlot(string userId, string modelId)
    {
        if (!activeUsers.TryAdd(userId, 0))
        {
            throw new EngineBusyException(modelId, RetryAfter);
        }
        if (Interlocked.Increment(ref pending) > options.Value.MaxPendingGenerations)
        {
            Interlocked.Decrement(ref pending);
            activeUsers.TryRemove(userId, out _);
            throw new EngineBusyException(modelId, RetryAfter);
        }
        return new Slot(this, userId);
    }

    private sealed class Slot(ImageStudioService owner, string userId) : IDisposable
    {
        public void Dispose()
        {
            Interlocked.Decrement(ref owner.pending);
            owner.activeUsers.TryRemove(userId, out _);
        }
    }

    /// <summary>Reports on the engine's thread (Progress&lt;T&gt; would post, and reorder, through a synchronization context).</summary>
    private sealed class Relay<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
