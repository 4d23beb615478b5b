namespace PromptLeo.Inference.Diffusion.Schedulers;

/// <summary>
/// One denoising schedule for one request (stateful: multistep schedulers keep history). Spans hold the whole
/// latent batch; each step works in place and allocates nothing.
/// </summary>
internal interface IScheduler
{
    /// <summary>UNet timesteps, one per inference step, descending.</summary>
    IReadOnlyList<double> Timesteps { get; }

    /// <summary>Standard deviation of the initial noise.</summary>
    float InitNoiseSigma { get; }

    /// <summary>True when <see cref="Step"/> consumes fresh Gaussian noise (ancestral and consistency samplers).</summary>
    bool NeedsNoise { get; }

    /// <summary>Factor the latents are multiplied by before they go into the UNet at <paramref name="step"/>.</summary>
    float ModelInputScale(int step);

    /// <summary>Advances <paramref name="sample"/> in place from step <paramref name="step"/> to the next one and writes the predicted clean latents.</summary>
    void Step(int step, ReadOnlySpan<float> modelOutput, Span<float> sample, ReadOnlySpan<float> noise, Span<float> predictedOriginal);

    /// <summary>Noises clean latents to the level of step <paramref name="step"/> (img2img start).</summary>
    void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, int step, Span<float> destination);
}
