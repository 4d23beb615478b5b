using System.Numerics.Tensors;

namespace PromptLeo.Inference.Diffusion.Schedulers;

/// <summary>diffusers LCMScheduler: consistency-model boundary condition, fresh noise between steps.</summary>
internal sealed class LcmScheduler : AlphaScheduler
{
    private const double SigmaData = 0.5;
    private const double TimestepScaling = 10.0;

    public LcmScheduler(SchedulerConfig config, int steps) : base(config, clipByDefault: false)
    {
        var originalSteps = Math.Max(config.OriginalInferenceSteps, steps);
        var k = config.NumTrainTimesteps / originalSteps;
        var origin = Enumerable.Range(1, originalSteps).Select(i => i * k - 1).Reverse().ToArray();
        Timesteps = Enumerable.Range(0, steps)
            .Select(i => (double)origin[(int)Math.Floor(i * (double)origin.Length / steps)])
            .ToArray();
    }

    public override IReadOnlyList<double> Timesteps { get; }

    public override bool NeedsNoise => true;

    public override void Step(int step, ReadOnlySpan<float> modelOutput, Span<float> sample, ReadOnlySpan<float> noise, Span<float> predictedOriginal)
    {
        var timestep = (int)Timesteps[step];
        var last = step == Timesteps.Count - 1;
        var alphaPrev = AlphaAt(last ? timestep : (int)Timesteps[step + 1]);
        PredictOriginal(AlphasCumprod[timestep], modelOutput, sample, predictedOriginal, []);

        var scaled = timestep * TimestepScaling;
        var cSkip = SigmaData * SigmaData / (scaled * scaled + SigmaData * SigmaData);
        var cOut = scaled / Math.Sqrt(scaled * scaled + SigmaData * SigmaData);
        // denoised = c_out·x̂₀ + c_skip·x, kept in predictedOriginal for previews.
        TensorPrimitives.Multiply(predictedOriginal, (float)cOut, predictedOriginal);
        TensorPrimitives.MultiplyAdd(sample, (float)cSkip, predictedOriginal, predictedOriginal);
        if (last)
        {
            predictedOriginal.CopyTo(sample);
            return;
        }

        TensorPrimitives.Multiply(predictedOriginal, (float)Math.Sqrt(alphaPrev), sample);
        TensorPrimitives.MultiplyAdd(noise, (float)Math.Sqrt(1 - alphaPrev), sample, sample);
    }
}
