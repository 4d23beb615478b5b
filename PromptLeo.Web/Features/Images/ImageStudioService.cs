using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Metering;
using PromptLeo.Web.Features.Records;
using ImageRow = PromptLeo.Web.Data.GeneratedImage;

namespace PromptLeo.Web.Features.Images;

/// <summary>
/// The image studio's use cases: checks the account, the budget and the limits, runs the engine, then writes the
/// encrypted images, the usage event and the processing record in one transaction.
/// </summary>
public sealed class ImageStudioService(
    IImageGenerator generator,
    UserContentCipher cipher,
    EncryptedFileStore files,
    MeteredInference metered,
    ImageUploadValidator uploads,
    IOptions<ImagesOptions> options,
    IOptions<DiffusionOptions> engineOptions,
    ILogger<ImageStudioService> logger)
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan QueuePoll = TimeSpan.FromMilliseconds(500);
    private readonly ConcurrentDictionary<string, byte> activeUsers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, byte> tickets = new();
    private long lastTicket;
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
        var kind = request.InitImage is null ? "txt2img" : request.Mask is null ? "img2img" : "inpaint";
        var purpose = kind == "txt2img" ? ProcessingPurpose.ImageGeneration : ProcessingPurpose.ImageEdit;

        using var slot = EnterSlot(userId, request.ModelId);
        var baseSeed = request.Seed ?? Random.Shared.NextInt64(0, uint.MaxValue);
        var parameters = new ImageParameters
        {
            Prompt = request.Prompt, NegativePrompt = request.NegativePrompt, Steps = request.Steps, Guidance = request.Guidance,
            Scheduler = request.Scheduler, Strength = request.InitImage is null ? null : request.Strength,
        };
        var bound = new UsageActual(ImageCount: request.BatchCount, Width: request.Width, Height: request.Height, Steps: request.Steps);
        var metering = new MeteredRequest(new InferencePrincipal(userId), purpose, request.ModelId, bound);
        var produced = new List<Inference.Diffusion.GeneratedImage>();
        var stored = new List<StudioImage>();
        var (truncated, cancelled, storing) = (false, false, false);
        var queue = progress is null ? null : new QueueReporter(this, slot.Ticket, request, progress);
        await metered.RunAsync(metering, async call =>
        {
            storing = call.Account.ImageRetentionDays is not 0;
            queue?.Start();
            call.SaveWith(save => StoreAsync(save, storing, userId, kind, request.ModelId, produced.Select(p => (p.Png, p.Width, p.Height, p.Seed, parameters with { Seed = p.Seed })).ToList(), stored));
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
                        progress is null ? null : new Relay<ImageProgress>(p =>
                        {
                            queue?.Started();
                            progress.Report(new StudioProgress(index, request.BatchCount, p.Step, p.TotalSteps, p.PreviewPng));
                        }),
                        cancellationToken);
                    produced.AddRange(result.Images);
                    truncated |= result.Warnings.Count > 0;
                    // Only finished images are charged.
                    call.Report(bound with { ImageCount = produced.Count, Steps = result.StepsRun });
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                cancelled = true;
                call.Outcome = InferenceOutcome.Cancelled;
            }
            catch (Exception ex) when (produced.Count > 0)
            {
                // A later image failed (or its model went away): the finished ones are kept and charged, the error still shows.
                logger.LogWarning(ex, "Image request {RequestId} failed after {Produced} of {Requested} images", call.RequestId, produced.Count, request.BatchCount);
                throw;
            }
            finally
            {
                queue?.Started();
            }
            return produced.Count;
        }, cancellationToken);

        logger.LogInformation("Image request {RequestId} for {UserId}: {Produced}/{Requested} images with {ModelId}, outcome {Outcome}",
            metering.RequestId, userId, produced.Count, request.BatchCount, request.ModelId, cancelled ? "cancelled" : "completed");
        return new StudioResult(metering.RequestId, stored, cancelled, storing, truncated);
    }

    /// <summary>Cuts the subject out of an uploaded image; the result is a PNG with transparency, stored like a generated image.</summary>
    public async Task<StudioResult> RemoveBackgroundAsync(string userId, string modelId, byte[] image, CancellationToken cancellationToken = default)
    {
        var upload = uploads.Validate(image);
        using var slot = EnterSlot(userId, modelId);
        // One pass of the segmentation model is billed as one step, as on the API.
        var usage = new UsageActual(ImageCount: 1, Width: upload.Width, Height: upload.Height, Steps: 1);
        var metering = new MeteredRequest(new InferencePrincipal(userId), ProcessingPurpose.BackgroundRemoval, modelId, usage);
        var stored = new List<StudioImage>();
        var storing = false;
        await metered.RunAsync(metering, async call =>
        {
            storing = call.Account.ImageRetentionDays is not 0;
            var png = await generator.RemoveBackgroundAsync(modelId, upload.Bytes, cancellationToken);
            call.Report(usage);
            call.SaveWith(save => StoreAsync(save, storing, userId, "background-removal", modelId, [(png, upload.Width, upload.Height, 0L, new ImageParameters())], stored));
            return png.Length;
        }, cancellationToken);
        logger.LogInformation("Background removal {RequestId} for {UserId} with {ModelId}", metering.RequestId, userId, modelId);
        return new StudioResult(metering.RequestId, stored, false, storing, false);
    }

    private void CheckPrompt(string? prompt)
    {
        var max = options.Value.MaxPromptLength;
        if (prompt is not null && prompt.Length > max)
        {
            throw new ImageStudioException(StudioProblem.PromptTooLong, $"The prompt has {prompt.Length} characters; at most {max} are accepted.");
        }
    }

    /// <summary>The images of a request; the metering service saves them with the usage event and the record.</summary>
    private async Task StoreAsync(
        MeteredSave save, bool storing, string userId, string kind, string modelId,
        IReadOnlyList<(byte[] Png, int Width, int Height, long Seed, ImageParameters Parameters)> produced, List<StudioImage> result)
    {
        // The user's cancel token may already be cancelled: the images finished so far are written regardless.
        foreach (var image in produced)
        {
            if (!storing)
            {
                // Zero-retention mode: the picture goes back to the browser and is never written.
                result.Add(new StudioImage(null, image.Png, image.Width, image.Height, image.Seed, modelId, kind));
                continue;
            }
            var row = new ImageRow
            {
                UserId = userId, Kind = kind, ModelId = modelId, Width = image.Width, Height = image.Height,
                RequestId = save.RequestId, ByteSize = image.Png.Length,
                ParametersCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.ImageParameters, image.Parameters.ToJson()),
            };
            row.FileName = $"{row.Id:N}.png";
            save.OnFailure(() => files.Delete(userId, row.FileName));
            await files.WriteAsync(userId, row.FileName, ContentPurpose.ImageFile, image.Png);
            save.Db.GeneratedImages.Add(row);
            result.Add(new StudioImage(row.Id, null, image.Width, image.Height, image.Seed, modelId, kind));
        }
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
        var ticket = Interlocked.Increment(ref lastTicket);
        tickets[ticket] = 0;
        return new Slot(this, userId, ticket);
    }

    /// <summary>
    /// Studio jobs that entered before <paramref name="ticket"/> and are still running or waiting, less the ones the engine
    /// runs alongside this job (<see cref="DiffusionOptions.MaxConcurrentGenerations"/>). API requests share the engine but are not counted.
    /// </summary>
    private int JobsAhead(long ticket) =>
        Math.Max(0, tickets.Keys.Count(t => t < ticket) - (engineOptions.Value.MaxConcurrentGenerations - 1));

    private sealed class Slot(ImageStudioService owner, string userId, long ticket) : IDisposable
    {
        public long Ticket => ticket;

        public void Dispose()
        {
            owner.tickets.TryRemove(ticket, out _);
            Interlocked.Decrement(ref owner.pending);
            owner.activeUsers.TryRemove(userId, out _);
        }
    }

    /// <summary>Until the engine reports the first step, reports how many studio jobs are ahead, whenever that number changes.</summary>
    private sealed class QueueReporter(ImageStudioService owner, long ticket, StudioRequest request, IProgress<StudioProgress> progress)
    {
        private readonly Lock gate = new();
        private readonly CancellationTokenSource stop = new();
        private bool started;

        public void Start() => _ = WatchAsync();

        /// <summary>The engine took the job (or it ended): no queue report may follow a step.</summary>
        public void Started()
        {
            lock (gate)
            {
                if (started)
                {
                    return;
                }
                started = true;
            }
            stop.Cancel();
        }

        private async Task WatchAsync()
        {
            var last = 0;
            using var timer = new PeriodicTimer(QueuePoll);
            try
            {
                do
                {
                    var ahead = owner.JobsAhead(ticket);
                    lock (gate)
                    {
                        if (started)
                        {
                            return;
                        }
                        if (ahead != last)
                        {
                            // Step 0: nothing ran yet; 0 ahead after waiting means "preparing".
                            progress.Report(new StudioProgress(1, request.BatchCount, 0, request.Steps, null) { JobsAhead = ahead });
                            last = ahead;
                        }
                    }
                }
                while (await timer.WaitForNextTickAsync(stop.Token));
            }
            catch (OperationCanceledException)
            {
                // The engine started this job (the token source has no timer, so it needs no disposal).
            }
        }
    }

    /// <summary>Reports on the engine's thread (Progress&lt;T&gt; would post, and reorder, through a synchronization context).</summary>
    private sealed class Relay<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
