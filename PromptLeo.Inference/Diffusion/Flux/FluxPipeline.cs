using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace PromptLeo.Inference.Diffusion.Flux;

/// <summary>
/// One FLUX.1 generation (diffusers <c>FluxPipeline</c>, <c>FluxImg2ImgPipeline</c>, <c>FluxInpaintPipeline</c>):
/// CLIP-L pooled and T5 hidden states → noise packed into 2×2 patches → flow-matching Euler loop, one transformer
/// call per step for the whole batch (no classifier-free guidance; dev takes the scale as an input) → unpack →
/// z/scale + shift → VAE decoder → PNG. Full-size buffers are allocated once per request.
/// </summary>
internal sealed class FluxPipeline(FluxModel model, ILogger logger) : IDiffusionPipeline
{
    public void ValidateFor(ImageRequest request)
    {
        // The VAE halves three times and the transformer packs 2×2 latent patches.
        foreach (var (field, value) in new[] { (nameof(ImageRequest.Width), request.Width), (nameof(ImageRequest.Height), request.Height) })
        {
            if (value % 16 != 0)
            {
                throw new ImageRequestException(field, $"must be a multiple of 16 for FLUX models, was {value}.");
            }
        }

        if (request.Mask is not null && request.InitImage is null)
        {
            throw new ImageRequestException(nameof(ImageRequest.Mask), "a mask needs an InitImage to repaint.");
        }

        if (request.InitImage is not null && model.VaeEncoder is null)
        {
            throw new ImageRequestException(nameof(ImageRequest.InitImage), $"model '{model.Manifest.Id}' has no vae_encoder, so it cannot start from an image.");
        }
    }

    /// <summary>First step of img2img/inpainting as diffusers computes it: ⌊N − min(N·strength, N)⌋; strength &gt; 0 always leaves a step.</summary>
    public static int FirstStep(int steps, float strength) => (int)Math.Max(steps - Math.Min(steps * (double)strength, steps), 0);

    public ImageResult Run(DiffusionJob job, IProgress<ImageProgress>? progress, CancellationToken cancellationToken)
    {
        var request = job.Request;
        ValidateFor(request);
        var stopwatch = Stopwatch.StartNew();
        var warnings = new List<string>();
        int batch = request.BatchSize, height = request.Height, width = request.Width, channels = model.LatentChannels;
        int latentHeight = height / 8, latentWidth = width / 8;
        var imageTokens = latentHeight / 2 * (latentWidth / 2);
        var latentLength = channels * latentHeight * latentWidth;
        if (!string.IsNullOrWhiteSpace(request.NegativePrompt))
        {
            warnings.Add("FLUX models do not use a negative prompt; it was ignored.");
        }

        using var runOptions = new RunOptions();
        // Cancelling also interrupts a transformer run in progress, not only the loop between steps.
        using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
        try
        {
            var ortStart = Stopwatch.GetTimestamp();
            var (pooled, pooledWidth, textHidden, jointWidth) = EncodePrompt(request.Prompt, batch, warnings, runOptions);
            var insideOrt = Stopwatch.GetElapsedTime(ortStart);

            var scheduler = FlowMatchEulerScheduler.Create(model.SchedulerConfig, request.Steps, imageTokens);
            var latents = new float[batch * latentLength];
            var noise = new float[batch * latentLength];
            var unpacked = new float[latentLength];
            for (var i = 0; i < batch; i++)
            {
                // Noise is drawn in the VAE's [C,h,w] layout, as diffusers does before packing.
                new GaussianNoise(job.Seed + i).Fill(unpacked);
                FluxLatents.Pack(unpacked, channels, latentHeight, latentWidth, noise.AsSpan(i * latentLength, latentLength));
            }

            var firstStep = 0;
            float[]? imageLatents = null;
            float[]? mask = null;
            if (job.InitPixels is not null)
            {
                firstStep = FirstStep(request.Steps, request.Strength);
                ortStart = Stopwatch.GetTimestamp();
                var encoded = model.VaeEncoder!.Encode(job.InitPixels, height, width, channels, model.Scaling, runOptions);
                insideOrt += Stopwatch.GetElapsedTime(ortStart);
                imageLatents = new float[latentLength];
                FluxLatents.Pack(encoded, channels, latentHeight, latentWidth, imageLatents);
                for (var i = 0; i < batch; i++)
                {
                    scheduler.ScaleNoise(imageLatents, noise.AsSpan(i * latentLength, latentLength), firstStep, latents.AsSpan(i * latentLength, latentLength));
                }

                mask = job.Mask is null ? null : PackedMask(job.Mask, channels, height, width);
            }
            else
            {
                // σ = 1 at the first step: the latents are pure noise.
                noise.CopyTo(latents, 0);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var imageIds = FluxLatents.ImageIds(latentHeight, latentWidth);
            using var transformer = model.Transformer.CreateRun(latents, batch, imageTokens, imageIds, textHidden, model.TextSequenceLength, jointWidth,
                pooled, pooledWidth, request.GuidanceScale);
            var blend = mask is null ? null : new float[latentLength];
            var totalSteps = request.Steps - firstStep;
            var stepsRun = 0;
            var insideTransformer = TimeSpan.Zero;
            long maxStepAllocation = 0;
            var allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
            var loopStart = Stopwatch.GetTimestamp();
            for (var step = firstStep; step < request.Steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                var transformerStart = Stopwatch.GetTimestamp();
                transformer.Run(scheduler.Sigmas[step], runOptions);
                insideTransformer += Stopwatch.GetElapsedTime(transformerStart);

                stepsRun++;
                var preview = request.PreviewEvery > 0 && stepsRun % request.PreviewEvery == 0 && stepsRun < totalSteps
                    ? Preview(scheduler, step, transformer.Output, latents, channels, latentHeight, latentWidth)
                    : null;
                scheduler.Step(step, transformer.Output, latents);
                if (mask is not null)
                {
                    BlendKnownRegion(scheduler, step, imageLatents!, noise, mask, latents, blend!, batch, latentLength);
                }

                progress?.Report(new ImageProgress(stepsRun, totalSteps, preview));
                maxStepAllocation = Math.Max(maxStepAllocation, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
            }

            var loop = Stopwatch.GetElapsedTime(loopStart);
            insideOrt += insideTransformer;
            var (images, decoding) = Decode(job, latents, unpacked, runOptions, cancellationToken);
            insideOrt += decoding;

            job.Stats?.Record(stopwatch.Elapsed, insideOrt, loop, insideTransformer, maxStepAllocation, allocatedAtStart);

            logger.LogInformation("Generated {Count} image(s) with FLUX model {ModelId}: {Steps} steps, {Width}x{Height}, in {ElapsedMs} ms",
                batch, model.Manifest.Id, stepsRun, width, height, stopwatch.ElapsedMilliseconds);
            return new ImageResult(images, warnings, stepsRun);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    /// <summary>Unpacks and decodes every image of the batch; returns the PNGs and the time spent inside the VAE's Run.</summary>
    private (List<GeneratedImage> Images, TimeSpan InsideVae) Decode(DiffusionJob job, float[] latents, float[] unpacked, RunOptions runOptions, CancellationToken cancellationToken)
    {
        var request = job.Request;
        int channels = model.LatentChannels, latentHeight = request.Height / 8, latentWidth = request.Width / 8;
        var latentLength = unpacked.Length;
        var scratch = new float[latentLength];
        var pixels = new float[3 * request.Height * request.Width];
        var insideVae = TimeSpan.Zero;
        var images = new List<GeneratedImage>(request.BatchSize);
        for (var i = 0; i < request.BatchSize; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            FluxLatents.Unpack(latents.AsSpan(i * latentLength, latentLength), channels, latentHeight, latentWidth, unpacked);
            var start = Stopwatch.GetTimestamp();
            model.VaeDecoder.Decode(unpacked, channels, model.Scaling, latentHeight, latentWidth, scratch, pixels, runOptions);
            insideVae += Stopwatch.GetElapsedTime(start);
            var seed = job.Seed + i;
            var text = request.EmbedParameters ? Parameters(request, seed) : null;
            images.Add(new GeneratedImage(ImageCodec.EncodePng(pixels, request.Width, request.Height, text, ImageProvenance.Of(request, model.Manifest.Id)), request.Width, request.Height, seed));
        }

        return (images, insideVae);
    }

    /// <summary>CLIP-L pooled output [b,768] and T5 hidden states [b,seq,4096], each encoded once and repeated per image.</summary>
    private (float[] Pooled, int PooledWidth, float[] TextHidden, int JointWidth) EncodePrompt(string prompt, int batch, List<string> warnings, RunOptions runOptions)
    {
        var clipTokens = model.ClipTokenizer.Encode(prompt);
        var t5Tokens = model.T5Tokenizer.Encode(prompt, model.TextSequenceLength);
        if (clipTokens.Truncated)
        {
            warnings.Add($"The prompt is longer than {ClipTokenizer.SequenceLength - 2} CLIP tokens; the pooled prompt embedding uses the first {ClipTokenizer.SequenceLength - 2}.");
        }

        if (t5Tokens.Truncated)
        {
            warnings.Add($"The prompt is longer than {model.TextSequenceLength - 1} T5 tokens and was truncated.");
        }

        var (pooled, pooledWidth) = model.ClipEncoder.Encode(Array.ConvertAll(clipTokens.Ids, id => (long)id), 1, runOptions);
        var (hidden, jointWidth) = model.T5Encoder.Encode(t5Tokens.Ids, 1, runOptions);
        return (Repeat(pooled, batch), pooledWidth, Repeat(hidden, batch), jointWidth);

        static float[] Repeat(float[] row, int count)
        {
            var rows = new float[row.Length * count];
            for (var i = 0; i < count; i++)
            {
                row.CopyTo(rows, i * row.Length);
            }

            return rows;
        }
    }

    /// <summary>
    /// The pixel mask at latent resolution (nearest sample, binarised at 0.5 like diffusers' mask processor), the same
    /// for every channel, packed like the latents; 1 = repaint.
    /// </summary>
    private static float[] PackedMask(float[] pixelMask, int channels, int height, int width)
    {
        int latentHeight = height / 8, latentWidth = width / 8, plane = latentHeight * latentWidth;
        var perChannel = new float[channels * plane];
        for (var y = 0; y < latentHeight; y++)
        {
            for (var x = 0; x < latentWidth; x++)
            {
                perChannel[y * latentWidth + x] = pixelMask[y * 8 * width + x * 8] >= 0.5f ? 1f : 0f;
            }
        }

        for (var c = 1; c < channels; c++)
        {
            perChannel.AsSpan(0, plane).CopyTo(perChannel.AsSpan(c * plane, plane));
        }

        var packed = new float[perChannel.Length];
        FluxLatents.Pack(perChannel, channels, latentHeight, latentWidth, packed);
        return packed;
    }

    /// <summary>
    /// Inpainting by latent blending (diffusers <c>FluxInpaintPipeline</c>): outside the mask the latents are replaced
    /// by the input image noised to the next step's level, x = (1 − m)·scale_noise(x₀, σ_next) + m·x.
    /// </summary>
    private static void BlendKnownRegion(FlowMatchEulerScheduler scheduler, int step, float[] imageLatents, float[] noise, float[] mask, float[] latents, float[] known, int batch, int latentLength)
    {
        for (var i = 0; i < batch; i++)
        {
            var slice = latents.AsSpan(i * latentLength, latentLength);
            if (step + 1 < scheduler.Timesteps.Count)
            {
                scheduler.ScaleNoise(imageLatents, noise.AsSpan(i * latentLength, latentLength), step + 1, known);
            }
            else
            {
                imageLatents.CopyTo(known, 0);
            }

            // x = known + m·(x − known)
            TensorPrimitives.Subtract(slice, known, slice);
            TensorPrimitives.MultiplyAdd(slice, mask, known, slice);
        }
    }

    private static byte[] Preview(FlowMatchEulerScheduler scheduler, int step, float[] velocity, float[] latents, int channels, int latentHeight, int latentWidth)
    {
        var length = channels * latentHeight * latentWidth;
        var predicted = new float[length];
        scheduler.PredictOriginal(step, velocity.AsSpan(0, length), latents.AsSpan(0, length), predicted);
        var unpacked = new float[length];
        FluxLatents.Unpack(predicted, channels, latentHeight, latentWidth, unpacked);
        return channels == FluxLatentPreview.Channels
            ? FluxLatentPreview.Render(unpacked, latentHeight, latentWidth)
            : LatentPreview.Render(unpacked, latentHeight, latentWidth);
    }

    private Dictionary<string, string> Parameters(ImageRequest request, long seed)
    {
        var guidance = model.Transformer.HasGuidance ? string.Create(CultureInfo.InvariantCulture, $", Guidance: {request.GuidanceScale}") : "";
        var strength = request.InitImage is null ? "" : string.Create(CultureInfo.InvariantCulture, $", Denoising strength: {request.Strength}");
        return new Dictionary<string, string>
        {
            [StableDiffusionPipeline.ParametersKey] = string.Create(CultureInfo.InvariantCulture,
                $"{request.Prompt}\nSteps: {request.Steps}, Sampler: {SchedulerKind.FlowMatchEuler}{guidance}, Seed: {seed}, Size: {request.Width}x{request.Height}, Model: {model.Manifest.Id}{strength}"),
        };
    }
}
