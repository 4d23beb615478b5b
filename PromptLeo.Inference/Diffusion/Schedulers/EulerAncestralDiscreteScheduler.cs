using System.Numerics.Tensors;

namespace PromptLeo.Inference.Diffusion.Schedulers;

/// <summary>diffusers EulerAncestralDiscreteScheduler: Euler step to σ_down plus fresh noise of σ_up.</summary>
internal sealed class EulerAncestralDiscreteScheduler(SchedulerConfig config, int steps) : SigmaScheduler(config, steps)
{
    public override bool NeedsNoise => true;

    public override void Step(int step, ReadOnlySpan<float> modelOutput, Span<float> sample, ReadOnlySpan<float> noise, Span<float> predictedOriginal)
    {
        var sigmaFrom = Sigmas[step];
        var sigmaTo = Sigmas[step + 1];
        var sigmaUp = Math.Sqrt(sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo) / (sigmaFrom * sigmaFrom));
        var sigmaDown = Math.Sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
        PredictOriginal(sigmaFrom, modelOutput, sample, predictedOriginal);
        var ratio = (float)((sigmaDown - sigmaFrom) / sigmaFrom);
        TensorPrimitives.Multiply(sample, 1 + ratio, sample);
        TensorPrimitives.MultiplyAdd(predictedOriginal, -ratio, sample, sample);
        TensorPrimitives.MultiplyAdd(noise, (float)sigmaUp, sample, sample);
    }
}
