using System.Numerics.Tensors;

namespace PromptLeo.Inference.Diffusion.Schedulers;

/// <summary>Shared ᾱ bookkeeping of the DDPM-parameterised schedulers (DDIM, LCM).</summary>
internal abstract class AlphaScheduler : IScheduler
{
    private readonly string predictionType;
    private readonly float clipRange;

    // clipByDefault: diffusers' clip_sample default of the scheduler (DDIM true, LCM false), used when the config names none.
    protected AlphaScheduler(SchedulerConfig config, bool clipByDefault)
    {
        AlphasCumprod = config.AlphasCumprod();
        FinalAlphaCumprod = config.SetAlphaToOne ? 1.0 : AlphasCumprod[0];
        predictionType = config.PredictionType;
        clipRange = config.ClipSample ?? clipByDefault ? (float)config.ClipSampleRange : float.PositiveInfinity;
    }

    public double[] AlphasCumprod { get; }

    public double FinalAlphaCumprod { get; }

    public abstract IReadOnlyList<double> Timesteps { get; }

    public float InitNoiseSigma => 1f;

    public virtual bool NeedsNoise => false;

    public float ModelInputScale(int step) => 1f;

    public abstract void Step(int step, ReadOnlySpan<float> modelOutput, Span<float> sample, ReadOnlySpan<float> noise, Span<float> predictedOriginal);

    public void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, int step, Span<float> destination)
    {
        var alpha = AlphasCumprod[(int)Timesteps[step]];
        TensorPrimitives.Multiply(original, (float)Math.Sqrt(alpha), destination);
        TensorPrimitives.MultiplyAdd(noise, (float)Math.Sqrt(1 - alpha), destination, destination);
    }

    protected double AlphaAt(int timestep) => timestep >= 0 ? AlphasCumprod[timestep] : FinalAlphaCumprod;

    /// <summary>
    /// x̂₀ = (x − √(1−ᾱ)ε)/√ᾱ, or √ᾱx − √(1−ᾱ)v, or the output itself for sample-prediction; then clamped when
    /// clip_sample is on. <paramref name="epsilon"/> (may be empty) receives ε, computed before the clamp as diffusers does.
    /// </summary>
    protected void PredictOriginal(double alpha, ReadOnlySpan<float> modelOutput, ReadOnlySpan<float> sample, Span<float> predictedOriginal, Span<float> epsilon)
    {
        PredictUnclipped(alpha, modelOutput, sample, predictedOriginal, epsilon);
        if (float.IsFinite(clipRange))
        {
            TensorPrimitives.Clamp(predictedOriginal, -clipRange, clipRange, predictedOriginal);
        }
    }

    private void PredictUnclipped(double alpha, ReadOnlySpan<float> modelOutput, ReadOnlySpan<float> sample, Span<float> predictedOriginal, Span<float> epsilon)
    {
        float sqrtAlpha = (float)Math.Sqrt(alpha), sqrtOneMinus = (float)Math.Sqrt(1 - alpha);
        if (predictionType == "sample")
        {
            modelOutput.CopyTo(predictedOriginal);
            if (epsilon.Length > 0)
            {
                // ε = (x − √ᾱ·x̂₀)/√(1−ᾱ)
                TensorPrimitives.MultiplyAdd(modelOutput, -sqrtAlpha, sample, epsilon);
                TensorPrimitives.Multiply(epsilon, 1 / sqrtOneMinus, epsilon);
            }
        }
        else if (predictionType == "v_prediction")
        {
            TensorPrimitives.Multiply(sample, sqrtAlpha, predictedOriginal);
            TensorPrimitives.MultiplyAdd(modelOutput, -sqrtOneMinus, predictedOriginal, predictedOriginal);
            // LCM passes no ε buffer (it needs only x̂₀); a v-prediction LCM used to throw here.
            if (epsilon.Length > 0)
            {
                TensorPrimitives.Multiply(modelOutput, sqrtAlpha, epsilon);
                TensorPrimitives.MultiplyAdd(sample, sqrtOneMinus, epsilon, epsilon);
            }
        }
        else
        {
            TensorPrimitives.MultiplyAdd(modelOutput, -sqrtOneMinus, sample, predictedOriginal);
            TensorPrimitives.Multiply(predictedOriginal, 1 / sqrtAlpha, predictedOriginal);
            if (epsilon.Length > 0)
            {
                modelOutput.CopyTo(epsilon);
            }
        }
    }
}

/// <summary>diffusers DDIMScheduler with η = 0 (deterministic).</summary>
internal sealed class DdimScheduler : AlphaScheduler
{
    private readonly int stepRatio;
    private readonly float[] epsilon;

    public DdimScheduler(SchedulerConfig config, int steps, int sampleLength) : base(config, clipByDefault: true)
    {
        Timesteps = config.Timesteps(steps, config.TimestepSpacing ?? "leading")
            .Select(t => Math.Round(t)).ToArray();
        stepRatio = config.NumTrainTimesteps / steps;
        epsilon = new float[sampleLength];
    }

    public override IReadOnlyList<double> Timesteps { get; }

    public override void Step(int step, ReadOnlySpan<float> modelOutput, Span<float> sample, ReadOnlySpan<float> noise, Span<float> predictedOriginal)
    {
        var timestep = (int)Timesteps[step];
        var alpha = AlphasCumprod[timestep];
        var alphaPrev = AlphaAt(timestep - stepRatio);
        PredictOriginal(alpha, modelOutput, sample, predictedOriginal, epsilon);
        // x_prev = √ᾱ_prev·x̂₀ + √(1−ᾱ_prev)·ε
        TensorPrimitives.Multiply(predictedOriginal, (float)Math.Sqrt(alphaPrev), sample);
        TensorPrimitives.MultiplyAdd(epsilon, (float)Math.Sqrt(1 - alphaPrev), sample, sample);
    }
}
