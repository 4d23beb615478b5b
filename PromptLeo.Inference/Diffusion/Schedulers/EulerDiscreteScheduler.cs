using System.Numerics.Tensors;

namespace PromptLeo.Inference.Diffusion.Schedulers;

/// <summary>diffusers EulerDiscreteScheduler (s_churn = 0): x ← x + (σₙ₊₁ − σₙ)·(x − x̂₀)/σₙ.</summary>
internal sealed class EulerDiscreteScheduler(SchedulerConfig config, int steps) : SigmaScheduler(config, steps)
{
    public override void Step(int step, ReadOnlySpan<float> modelOutput, Span<float> sample, ReadOnlySpan<float> noise, Span<float> predictedOriginal)
    {
        var sigma = Sigmas[step];
        PredictOriginal(sigma, modelOutput, sample, predictedOriginal);
        // x + dt·(x − x̂₀)/σ  ==  x·(1 + dt/σ) − x̂₀·dt/σ
        var ratio = (float)((Sigmas[step + 1] - sigma) / sigma);
        TensorPrimitives.Multiply(sample, 1 + ratio, sample);
        TensorPrimitives.MultiplyAdd(predictedOriginal, -ratio, sample, sample);
    }
}
