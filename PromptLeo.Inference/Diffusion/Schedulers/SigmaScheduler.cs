using System.Numerics.Tensors;

namespace PromptLeo.Inference.Diffusion.Schedulers;

/// <summary>Shared sigma bookkeeping of the k-diffusion style schedulers (Euler, Euler ancestral, LMS).</summary>
internal abstract class SigmaScheduler : IScheduler
{
    private readonly string predictionType;

    protected SigmaScheduler(SchedulerConfig config, int steps)
    {
        var alphas = config.AlphasCumprod();
        if (config.RescaleBetasZeroSnr)
        {
            // As diffusers: close to 0 without being 0, so the first sigma is finite (fp16's smallest subnormal).
            alphas[^1] = Math.Pow(2, -24);
        }

        var trainSigmas = alphas.Select(a => Math.Sqrt((1 - a) / a)).ToArray();
        var spacing = config.TimestepSpacing ?? "linspace";
        var timesteps = config.Timesteps(steps, spacing);
        Sigmas = new double[steps + 1];
        for (var i = 0; i < steps; i++)
        {
            Sigmas[i] = Interpolate(timesteps[i], trainSigmas);
        }

        Timesteps = timesteps;
        var max = Sigmas.Max();
        InitNoiseSigma = (float)(spacing is "linspace" or "trailing" ? max : Math.Sqrt(max * max + 1));
        predictionType = config.PredictionType;
    }

    /// <summary>Noise levels per step plus a final 0.</summary>
    public double[] Sigmas { get; }

    public IReadOnlyList<double> Timesteps { get; }

    public float InitNoiseSigma { get; }

    public virtual bool NeedsNoise => false;

    public float ModelInputScale(int step) => (float)(1 / Math.Sqrt(Sigmas[step] * Sigmas[step] + 1));

    public abstract void Step(int step, ReadOnlySpan<float> modelOutput, Span<float> sample, ReadOnlySpan<float> noise, Span<float> predictedOriginal);

    public void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, int step, Span<float> destination) =>
        TensorPrimitives.MultiplyAdd(noise, (float)Sigmas[step], original, destination);

    /// <summary>x₀ estimate: ε-prediction x − σε; v-prediction x/(σ²+1) − σv/√(σ²+1); sample-prediction the output itself.</summary>
    protected void PredictOriginal(double sigma, ReadOnlySpan<float> modelOutput, ReadOnlySpan<float> sample, Span<float> predictedOriginal)
    {
        if (predictionType == "sample")
        {
            modelOutput.CopyTo(predictedOriginal);
        }
        else if (predictionType == "v_prediction")
        {
            var scale = sigma * sigma + 1;
            TensorPrimitives.Multiply(sample, (float)(1 / scale), predictedOriginal);
            TensorPrimitives.MultiplyAdd(modelOutput, (float)(-sigma / Math.Sqrt(scale)), predictedOriginal, predictedOriginal);
        }
        else
        {
            TensorPrimitives.MultiplyAdd(modelOutput, (float)-sigma, sample, predictedOriginal);
        }
    }

    /// <summary>Linear interpolation of the training sigmas at a fractional timestep (numpy.interp).</summary>
    private static double Interpolate(double timestep, double[] values)
    {
        if (timestep <= 0)
        {
            return values[0];
        }

        if (timestep >= values.Length - 1)
        {
            return values[^1];
        }

        var low = (int)Math.Floor(timestep);
        var fraction = timestep - low;
        return values[low] + (values[low + 1] - values[low]) * fraction;
    }
}
