using System.Numerics.Tensors;

namespace PromptLeo.Inference.Diffusion.Schedulers;

/// <summary>diffusers LMSDiscreteScheduler (order 4): linear multistep over the last derivatives, Lagrange coefficients integrated exactly.</summary>
internal sealed class LmsDiscreteScheduler(SchedulerConfig config, int steps, int sampleLength) : SigmaScheduler(config, steps)
{
    public const int MaxOrder = 4;

    // Ring of the last derivatives, allocated once per request.
    private readonly float[][] derivatives = [.. Enumerable.Range(0, MaxOrder).Select(_ => new float[sampleLength])];
    private readonly double[] coefficients = new double[MaxOrder];

    public override void Step(int step, ReadOnlySpan<float> modelOutput, Span<float> sample, ReadOnlySpan<float> noise, Span<float> predictedOriginal)
    {
        var sigma = Sigmas[step];
        PredictOriginal(sigma, modelOutput, sample, predictedOriginal);
        var current = derivatives[step % MaxOrder];
        TensorPrimitives.Subtract(sample, predictedOriginal, current);
        TensorPrimitives.Multiply(current, (float)(1 / sigma), current);

        var order = Math.Min(step + 1, MaxOrder);
        for (var k = 0; k < order; k++)
        {
            coefficients[k] = Coefficient(order, step, k);
            TensorPrimitives.MultiplyAdd(derivatives[(step - k) % MaxOrder], (float)coefficients[k], sample, sample);
        }
    }

    /// <summary>∫ from σᵢ to σᵢ₊₁ of the Lagrange basis polynomial for σᵢ₋ₖ; 4-point Gauss–Legendre is exact for degree ≤ 7.</summary>
    internal double Coefficient(int order, int step, int k)
    {
        ReadOnlySpan<double> nodes = [-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526];
        ReadOnlySpan<double> weights = [0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538];
        double a = Sigmas[step], b = Sigmas[step + 1];
        var sum = 0.0;
        for (var n = 0; n < nodes.Length; n++)
        {
            var tau = (b - a) / 2 * nodes[n] + (a + b) / 2;
            var product = 1.0;
            for (var j = 0; j < order; j++)
            {
                if (j != k)
                {
                    product *= (tau - Sigmas[step - j]) / (Sigmas[step - k] - Sigmas[step - j]);
                }
            }

            sum += weights[n] * product;
        }

        return sum * (b - a) / 2;
    }
}
