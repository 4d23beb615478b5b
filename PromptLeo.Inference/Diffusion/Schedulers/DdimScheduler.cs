using System.Numerics.Tensors;

namespace PromptLeo.Inference.Diffusion.Schedulers;

/// <summary>Shared ᾱ bookkeeping of the DDPM-parameterised schedulers (DDIM, LCM).</summary>
internal abstract class AlphaScheduler : IScheduler
{
    private readonly bool vPrediction;

    protected AlphaScheduler(SchedulerConfig config)
    {
        AlphasCumprod = config.AlphasCumprod();
        FinalAlphaCumprod = config.SetAlphaToOne ? 1.0 : AlphasCumprod[0];
        vPrediction = config.PredictionType == "v_prediction";
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

    /// <summary>x̂₀ = (x − √(1−ᾱ)ε)/√ᾱ, or √ᾱx − √(1−ᾱ)v; <paramref name="epsilon"/> receives ε (equal to the model output for ε-prediction).</summary>
    protected void PredictOriginal(double alpha, ReadOnlySpan<float> modelOutput, ReadOnlySpan<float> sample, Span<float> predictedOriginal, Span<float> epsilon)
    {
        float sqrtAlpha = (float)Math.Sqrt(alpha), sqrtOneMinus = (float)Math.Sqrt(1 - alpha);
        if (vPrediction)
        {
            TensorPrimitives.Multiply(sample, sqrtAlpha, predictedOriginal);
            TensorPrimitives.MultiplyAdd(modelOutput, -sqrtOneMinus, predictedOriginal, predictedOriginal);
            TensorPrimitives.Multiply(modelOutput, sqrtAlpha, epsilon);
            TensorPrimitives.MultiplyAdd(sample, sqrtOneMinus, epsilon, epsilon);
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

    public DdimScheduler(SchedulerConfig config, int steps, int sampleLength) : base(config)
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
