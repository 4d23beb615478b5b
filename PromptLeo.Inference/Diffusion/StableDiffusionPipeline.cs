using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using PromptLeo.Inference.Diffusion.Schedulers;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Diffusion;

/// <summary>A validated request with its seed resolved and uploads decoded to the target size.</summary>
/// <param name="Request">The request.</param>
/// <param name="Seed">Seed of the first image; image i uses Seed + i.</param>
/// <param name="InitPixels">[3,H,W] in [-1,1], or null for text-to-image.</param>
/// <param name="Mask">[H,W] in [0,1] (1 = repaint), or null.</param>
/// <param name="Stats">Optional timing/allocation counters (benchmark).</param>
internal sealed record DiffusionJob(ImageRequest Request, long Seed, float[]? InitPixels = null, float[]? Mask = null, PipelineStats? Stats = null);

/// <summary>Counters one generation fills when asked: time inside ONNX Runtime and managed allocation per step.</summary>
internal sealed class PipelineStats
{
    public TimeSpan Total { get; set; }
    public TimeSpan InsideOrt { get; set; }
    public TimeSpan UNetLoop { get; set; }
    public TimeSpan InsideUNet { get; set; }
    public long MaxAllocatedBytesPerStep { get; set; }
    public long LoopAllocatedBytes { get; set; }

    /// <summary>Fills the counters at the end of a generation (shared by every family's pipeline).</summary>
    public void Record(TimeSpan total, TimeSpan insideOrt, TimeSpan denoisingLoop, TimeSpan insideDenoiser, long maxAllocatedBytesPerStep, long allocatedAtStart)
    {
        Total = total;
        InsideOrt = insideOrt;
        UNetLoop = denoisingLoop;
        InsideUNet = insideDenoiser;
        MaxAllocatedBytesPerStep = maxAllocatedBytesPerStep;
        LoopAllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - allocatedAtStart;
    }
}

/// <summary>
/// A UNet model (SD 1.x/2.x or SDXL) as the shared denoising loop sees it: the family encodes the prompt into the
/// UNet's conditioning, everything after that (noise, img2img, inpainting, guidance, scheduler, VAE) is common.
/// </summary>
internal interface IUNetDiffusionModel
{
    ModelManifest Manifest { get; }
    UNetDenoiser UNet { get; }
    VaeDecoder VaeDecoder { get; }
    VaeEncoder? VaeEncoder { get; }
    SchedulerConfig SchedulerConfig { get; }
    /// <summary>VAE latent scaling (0.18215 for SD 1.x/2.x, 0.13025 for SDXL), from <c>vae_decoder/config.json</c> when present.</summary>
    float ScalingFactor { get; }
    /// <summary>A 4-channel UNet that inpaints by putting the noised known latents back after every step (diffusers' SDXL inpaint pipeline).</summary>
    bool BlendsInpaintingLatents { get; }

    /// <summary>Text conditioning for [negative, prompt] (guided) or [prompt]; adds truncation warnings.</summary>
    UNetConditioning EncodePrompt(ImageRequest request, bool guided, List<string> warnings, RunOptions runOptions);

    /// <summary>A cheap RGB preview of [4,h,w] predicted clean latents in this family's latent space.</summary>
    byte[] RenderPreview(ReadOnlySpan<float> latents, int latentHeight, int latentWidth) => LatentPreview.Render(latents, latentHeight, latentWidth);
}

/// <summary>
/// The UNet's conditioning for one request, one row per source ([negative, prompt] with guidance, else [prompt]);
/// the pipeline repeats the rows for every image of the batch.
/// </summary>
/// <param name="HiddenStates">[sources, 77, HiddenSize] for <c>encoder_hidden_states</c>.</param>
/// <param name="HiddenSize">Width of one token's hidden state.</param>
/// <param name="Added">Further per-row UNet inputs (SDXL's <c>text_embeds</c>, <c>time_ids</c>), each [sources, Width].</param>
internal sealed record UNetConditioning(float[] HiddenStates, int HiddenSize, IReadOnlyList<AddedConditioning> Added)
{
    /// <summary>Repeats source rows for a UNet batch: rows [0, batch) get source 0, rows [batch, 2·batch) source 1 (guided).</summary>
    public static float[] RepeatRows(float[] sources, int rowLength, int batch, bool guided)
    {
        var rows = guided ? 2 * batch : batch;
        var repeated = new float[rows * rowLength];
        for (var r = 0; r < rows; r++)
        {
            var source = guided && r >= batch ? 1 : 0;
            sources.AsSpan(source * rowLength, rowLength).CopyTo(repeated.AsSpan(r * rowLength));
        }

        return repeated;
    }
}

/// <summary>One added UNet conditioning input, [sources, Width].</summary>
internal sealed record AddedConditioning(string Name, float[] Values, int Width);

/// <summary>
/// Orchestrates one generation for any UNet family: the family's prompt encoding → scheduler/UNet loop
/// (classifier-free guidance as one batched UNet call) → VAE decoder → PNG. Handles text-to-image, img2img
/// (strength), 9-channel inpainting and, for families that allow it, 4-channel inpainting by latent blending.
/// All full-size tensors are allocated once per request; the step loop only fills them.
/// </summary>
internal sealed class StableDiffusionPipeline(IUNetDiffusionModel model, ILogger logger) : IDiffusionPipeline
{
    public const string ParametersKey = "parameters";

    private bool IsInpainting => model.UNet.InChannels == 9;

    /// <summary>Fails before any inference when the request needs something this model lacks.</summary>
    public void ValidateFor(ImageRequest request)
    {
        if (request.Mask is not null && request.InitImage is null)
        {
            throw new ImageRequestException(nameof(ImageRequest.Mask), "a mask needs an InitImage to repaint.");
        }

        if (request.Mask is not null && !IsInpainting && !model.BlendsInpaintingLatents)
        {
            throw new ImageRequestException(nameof(ImageRequest.Mask), $"model '{model.Manifest.Id}' is not an inpainting model (its UNet takes {model.UNet.InChannels} channels, inpainting needs 9).");
        }

        if (request.InitImage is not null && model.VaeEncoder is null)
        {
            throw new ImageRequestException(nameof(ImageRequest.InitImage), $"model '{model.Manifest.Id}' has no vae_encoder, so it cannot start from an image.");
        }

        if (request.InitImage is not null && (int)(request.Steps * Math.Min(request.Strength, 1f)) < 1)
        {
            throw new ImageRequestException(nameof(ImageRequest.Strength), $"strength {request.Strength} with {request.Steps} steps leaves no denoising step to run.");
        }
    }

    public ImageResult Run(DiffusionJob job, IProgress<ImageProgress>? progress, CancellationToken cancellationToken)
    {
        var request = job.Request;
        ValidateFor(request);
        var stopwatch = Stopwatch.StartNew();
        var warnings = new List<string>();
        int batch = request.BatchSize, height = request.Height, width = request.Width;
        int latentHeight = height / 8, latentWidth = width / 8, plane = latentHeight * latentWidth;
        var latentLength = 4 * plane;
        var guided = request.GuidanceScale > 1f;
        var rows = guided ? 2 * batch : batch;
        var inChannels = model.UNet.InChannels;

        using var runOptions = new RunOptions();
        // Cancelling also interrupts a UNet run in progress, not only the loop between steps.
        using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
        try
        {
            var ortStart = Stopwatch.GetTimestamp();
            var conditioning = model.EncodePrompt(request, guided, warnings, runOptions);
            var insideOrt = Stopwatch.GetElapsedTime(ortStart);
            var hiddenSize = conditioning.HiddenSize;
            var hiddenStates = UNetConditioning.RepeatRows(conditioning.HiddenStates, ClipTokenizer.SequenceLength * hiddenSize, batch, guided);

            var scheduler = SchedulerFactory.Create(request.Scheduler, model.SchedulerConfig, request.Steps, batch * latentLength);
            var latents = new float[batch * latentLength];
            var noise = new float[batch * latentLength];
            var predictedOriginal = new float[batch * latentLength];
            var epsilon = guided ? new float[batch * latentLength] : null;
            var generators = Enumerable.Range(0, batch).Select(i => new GaussianNoise(job.Seed + i)).ToArray();
            FillNoise(generators, noise, latentLength);

            var firstStep = 0;
            float[]? maskedImageLatents = null;
            float[]? latentMask = null;
            KnownLatentBlend? blend = null;
            if (job.InitPixels is not null)
            {
                var strength = Math.Clamp(request.Strength, 0f, 1f);
                firstStep = request.Steps - Math.Min((int)(request.Steps * strength), request.Steps);
                ortStart = Stopwatch.GetTimestamp();
                var imageLatents = model.VaeEncoder!.Encode(job.InitPixels, height, width, model.ScalingFactor, runOptions);
                insideOrt += Stopwatch.GetElapsedTime(ortStart);
                for (var i = 0; i < batch; i++)
                {
                    var slice = latents.AsSpan(i * latentLength, latentLength);
                    scheduler.AddNoise(imageLatents, noise.AsSpan(i * latentLength, latentLength), firstStep, slice);
                }

                if (IsInpainting)
                {
                    (latentMask, maskedImageLatents) = PrepareInpainting(job, height, width, latentHeight, latentWidth, runOptions);
                }
                else if (job.Mask is not null && model.BlendsInpaintingLatents)
                {
                    blend = new KnownLatentBlend(imageLatents, noise, LatentMask(job.Mask, width, latentHeight, latentWidth), batch);
                }
            }
            else
            {
                TensorPrimitives.Multiply(noise, scheduler.InitNoiseSigma, latents);
                if (IsInpainting)
                {
                    // Text-to-image with an inpainting UNet: repaint everything.
                    latentMask = new float[plane];
                    latentMask.AsSpan().Fill(1f);
                    maskedImageLatents = model.VaeEncoder!.Encode(new float[3 * height * width], height, width, model.ScalingFactor, runOptions);
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            using var unet = model.UNet.CreateRun(rows, latentHeight, latentWidth, hiddenStates, hiddenSize, request.GuidanceScale,
                AddedInputs(conditioning, batch, guided));
            if (latentMask is not null && maskedImageLatents is not null)
            {
                for (var r = 0; r < rows; r++)
                {
                    var offset = r * inChannels * plane + latentLength;
                    latentMask.CopyTo(unet.Sample.AsSpan(offset, plane));
                    maskedImageLatents.CopyTo(unet.Sample.AsSpan(offset + plane, latentLength));
                }
            }

            var totalSteps = request.Steps - firstStep;
            var stepsRun = 0;
            var insideUNet = TimeSpan.Zero;
            long maxStepAllocation = 0;
            var allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
            var loopStart = Stopwatch.GetTimestamp();
            for (var step = firstStep; step < request.Steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                var scale = scheduler.ModelInputScale(step);
                for (var r = 0; r < rows; r++)
                {
                    var image = r % batch;
                    TensorPrimitives.Multiply(latents.AsSpan(image * latentLength, latentLength), scale, unet.Sample.AsSpan(r * inChannels * plane, latentLength));
                }

                var unetStart = Stopwatch.GetTimestamp();
                unet.Run(scheduler.Timesteps[step], runOptions);
                insideUNet += Stopwatch.GetElapsedTime(unetStart);

                ReadOnlySpan<float> modelOutput = unet.Output;
                if (epsilon is not null)
                {
                    // ε = ε_uncond + g·(ε_cond − ε_uncond)
                    var uncond = unet.Output.AsSpan(0, batch * latentLength);
                    var cond = unet.Output.AsSpan(batch * latentLength, batch * latentLength);
                    TensorPrimitives.Subtract(cond, uncond, epsilon);
                    TensorPrimitives.MultiplyAdd(epsilon, request.GuidanceScale, uncond, epsilon);
                    modelOutput = epsilon;
                }

                if (scheduler.NeedsNoise)
                {
                    FillNoise(generators, noise, latentLength);
                }

                scheduler.Step(step, modelOutput, latents, noise, predictedOriginal);
                blend?.Apply(scheduler, step, request.Steps, latents);
                stepsRun++;

                var preview = request.PreviewEvery > 0 && stepsRun % request.PreviewEvery == 0 && stepsRun < totalSteps
                    ? model.RenderPreview(predictedOriginal.AsSpan(0, latentLength), latentHeight, latentWidth)
                    : null;
                progress?.Report(new ImageProgress(stepsRun, totalSteps, preview));
                maxStepAllocation = Math.Max(maxStepAllocation, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
            }

            var unetLoop = Stopwatch.GetElapsedTime(loopStart);
            insideOrt += insideUNet;

            var images = new List<GeneratedImage>(batch);
            var scratch = new float[latentLength];
            var pixels = new float[3 * height * width];
            var provenance = ImageProvenance.Of(request, model.Manifest.Id);
            for (var i = 0; i < batch; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ortStart = Stopwatch.GetTimestamp();
                model.VaeDecoder.Decode(latents.AsSpan(i * latentLength, latentLength), model.ScalingFactor, latentHeight, latentWidth, scratch, pixels, runOptions);
                insideOrt += Stopwatch.GetElapsedTime(ortStart);
                var seed = job.Seed + i;
                var text = request.EmbedParameters ? Parameters(request, seed) : null;
                images.Add(new GeneratedImage(ImageCodec.EncodePng(pixels, width, height, text, provenance), width, height, seed));
            }

            job.Stats?.Record(stopwatch.Elapsed, insideOrt, unetLoop, insideUNet, maxStepAllocation, allocatedAtStart);

            logger.LogInformation("Generated {Count} image(s) with {ModelId}: {Steps} steps, {Width}x{Height}, {Scheduler}, in {ElapsedMs} ms",
                batch, model.Manifest.Id, stepsRun, width, height, request.Scheduler, stopwatch.ElapsedMilliseconds);
            return new ImageResult(images, warnings, stepsRun);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private (float[] Mask, float[] MaskedImageLatents) PrepareInpainting(DiffusionJob job, int height, int width, int latentHeight, int latentWidth, RunOptions runOptions)
    {
        var mask = job.Mask ?? throw new ImageRequestException(nameof(ImageRequest.Mask), "an inpainting model needs a mask with the InitImage.");
        var masked = (float[])job.InitPixels!.Clone();
        var plane = height * width;
        for (var i = 0; i < plane; i++)
        {
            // Binarised like diffusers: pixels to repaint are blanked (0 = mid-grey in [-1,1]).
            if (mask[i] >= 0.5f)
            {
                masked[i] = masked[plane + i] = masked[2 * plane + i] = 0f;
            }
        }

        return (LatentMask(mask, width, latentHeight, latentWidth), model.VaeEncoder!.Encode(masked, height, width, model.ScalingFactor, runOptions));
    }

    /// <summary>The mask at latent resolution, binarised (nearest pixel of each 8×8 block, as diffusers' nearest interpolation).</summary>
    private static float[] LatentMask(float[] mask, int width, int latentHeight, int latentWidth)
    {
        var latentMask = new float[latentHeight * latentWidth];
        for (var y = 0; y < latentHeight; y++)
        {
            for (var x = 0; x < latentWidth; x++)
            {
                latentMask[y * latentWidth + x] = mask[y * 8 * width + x * 8] >= 0.5f ? 1f : 0f;
            }
        }

        return latentMask;
    }

    /// <summary>The family's added conditioning as UNet inputs in the element types the session declares, one row per UNet row.</summary>
    private List<(string Name, OnnxTensorBinding Binding)> AddedInputs(UNetConditioning conditioning, int batch, bool guided)
    {
        var rows = guided ? 2 * batch : batch;
        return conditioning.Added
            .Select(added => (added.Name, new OnnxTensorBinding(
                OnnxTensorTypes.Of(model.UNet.InputMetadata, added.Name),
                [rows, added.Width],
                UNetConditioning.RepeatRows(added.Values, added.Width, batch, guided))))
            .ToList();
    }

    private static void FillNoise(GaussianNoise[] generators, float[] noise, int latentLength)
    {
        for (var i = 0; i < generators.Length; i++)
        {
            generators[i].Fill(noise.AsSpan(i * latentLength, latentLength));
        }
    }

    private Dictionary<string, string> Parameters(ImageRequest request, long seed)
    {
        var strength = request.InitImage is null ? "" : string.Create(CultureInfo.InvariantCulture, $", Denoising strength: {request.Strength}");
        return new Dictionary<string, string>
        {
            [ParametersKey] = string.Create(CultureInfo.InvariantCulture,
                $"{request.Prompt}\nNegative prompt: {request.NegativePrompt}\nSteps: {request.Steps}, Sampler: {request.Scheduler}, CFG scale: {request.GuidanceScale}, Seed: {seed}, Size: {request.Width}x{request.Height}, Model: {model.Manifest.Id}{strength}"),
        };
    }
}

/// <summary>
/// Inpainting with a 4-channel UNet (diffusers' SDXL inpaint pipeline when <c>num_channels_unet == 4</c>): after each
/// step the region to keep is replaced by the image's latents noised to the next step's level (clean after the last
/// step), so only the masked region is generated while it still sees its surroundings.
/// </summary>
internal sealed class KnownLatentBlend
{
    private readonly float[] imageLatents;
    private readonly float[] initialNoise;
    private readonly float[] latentMask;
    private readonly float[] keep;
    private readonly int batch;

    /// <param name="imageLatents">[4,h,w] latents of the input image.</param>
    /// <param name="initialNoise">[batch,4,h,w] noise the start latents were made with (copied: ancestral steps refill the pipeline's buffer).</param>
    /// <param name="latentMask">[h,w], 1 = repaint.</param>
    /// <param name="batch">Images in the batch.</param>
    public KnownLatentBlend(float[] imageLatents, ReadOnlySpan<float> initialNoise, float[] latentMask, int batch)
    {
        this.imageLatents = imageLatents;
        this.initialNoise = initialNoise.ToArray();
        this.latentMask = latentMask;
        this.batch = batch;
        keep = new float[imageLatents.Length];
    }

    /// <summary>latents = known + mask·(latents − known), per image and channel, after step <paramref name="step"/>.</summary>
    public void Apply(IScheduler scheduler, int step, int steps, Span<float> latents)
    {
        var length = imageLatents.Length;
        var plane = latentMask.Length;
        for (var i = 0; i < batch; i++)
        {
            if (step + 1 < steps)
            {
                scheduler.AddNoise(imageLatents, initialNoise.AsSpan(i * length, length), step + 1, keep);
            }
            else
            {
                imageLatents.CopyTo(keep, 0);
            }

            var image = latents.Slice(i * length, length);
            for (var c = 0; c < length / plane; c++)
            {
                var channel = image.Slice(c * plane, plane);
                var known = keep.AsSpan(c * plane, plane);
                TensorPrimitives.Subtract(channel, known, channel);
                TensorPrimitives.MultiplyAdd(channel, latentMask, known, channel);
            }
        }
    }
}
