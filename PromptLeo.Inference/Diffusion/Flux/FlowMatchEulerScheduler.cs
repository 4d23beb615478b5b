using System.Numerics.Tensors;
using System.Text.Json;

namespace PromptLeo.Inference.Diffusion.Flux;

/// <summary>
/// The fields of a diffusers <c>FlowMatchEulerDiscreteScheduler</c> config that FLUX uses. Defaults are the
/// scheduler's own; FLUX.1-dev ships <c>use_dynamic_shifting: true</c>, FLUX.1-schnell a fixed <c>shift</c> 1.0.
/// </summary>
internal sealed record FlowMatchSchedulerConfig
{
    public int NumTrainTimesteps { get; init; } = 1000;
    public double Shift { get; init; } = 1.0;
    public bool UseDynamicShifting { get; init; }
    public double BaseShift { get; init; } = 0.5;
    public double MaxShift { get; init; } = 1.15;
    public int BaseImageSeqLen { get; init; } = 256;
    public int MaxImageSeqLen { get; init; } = 4096;
    /// <summary>"exponential" (FLUX) or "linear".</summary>
    public string TimeShiftType { get; init; } = "exponential";

    public static FlowMatchSchedulerConfig Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException("not a JSON object.");
        }

        var defaults = new FlowMatchSchedulerConfig();
        var config = new FlowMatchSchedulerConfig
        {
            NumTrainTimesteps = (int)(Number(root, "num_train_timesteps") ?? defaults.NumTrainTimesteps),
            Shift = Number(root, "shift") ?? defaults.Shift,
            UseDynamicShifting = root.TryGetProperty("use_dynamic_shifting", out var dynamic) && dynamic.ValueKind == JsonValueKind.True,
            BaseShift = Number(root, "base_shift") ?? defaults.BaseShift,
            MaxShift = Number(root, "max_shift") ?? defaults.MaxShift,
            BaseImageSeqLen = (int)(Number(root, "base_image_seq_len") ?? defaults.BaseImageSeqLen),
            MaxImageSeqLen = (int)(Number(root, "max_image_seq_len") ?? defaults.MaxImageSeqLen),
            TimeShiftType = root.TryGetProperty("time_shift_type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString()! : defaults.TimeShiftType,
        };
        if (config.TimeShiftType is not ("exponential" or "linear"))
        {
            throw new InvalidOperationException($"time_shift_type '{config.TimeShiftType}' is not supported.");
        }

        if (config.MaxImageSeqLen == config.BaseImageSeqLen || config.Shift <= 0)
        {
            throw new InvalidOperationException("max_image_seq_len must differ from base_image_seq_len and shift must be positive.");
        }

        return config;
    }

    /// <summary>μ of the resolution-dependent shift: linear in the image sequence length through (base_len, base_shift) and (max_len, max_shift).</summary>
    public double Mu(int imageSequenceLength)
    {
        var slope = (MaxShift - BaseShift) / (MaxImageSeqLen - BaseImageSeqLen);
        return BaseShift + slope * (imageSequenceLength - BaseImageSeqLen);
    }

    private static double? Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}

/// <summary>
/// Flow-matching Euler sampler (diffusers <c>FlowMatchEulerDiscreteScheduler</c> as <c>FluxPipeline</c> drives it):
/// σ starts as linspace(1, 1/N, N), is shifted (dynamically by μ, or by the fixed <c>shift</c>), and ends with 0;
/// the transformer predicts the velocity v and each step is x ← x + (σ_next − σ)·v.
/// </summary>
internal sealed class FlowMatchEulerScheduler
{
    private readonly float[] sigmas;

    private FlowMatchEulerScheduler(float[] sigmas, int numTrainTimesteps)
    {
        this.sigmas = sigmas;
        Timesteps = sigmas[..^1].Select(s => s * numTrainTimesteps).ToArray();
    }

    /// <summary>N+1 noise levels, the last one 0.</summary>
    public IReadOnlyList<float> Sigmas => sigmas;

    /// <summary>σ·num_train_timesteps per step; the transformer receives timestep/1000, that is σ.</summary>
    public IReadOnlyList<float> Timesteps { get; }

    /// <summary>The schedule for <paramref name="steps"/> steps over an image of <paramref name="imageSequenceLength"/> packed tokens.</summary>
    public static FlowMatchEulerScheduler Create(FlowMatchSchedulerConfig config, int steps, int imageSequenceLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        var mu = config.Mu(imageSequenceLength);
        var shifted = new float[steps + 1];
        for (var i = 0; i < steps; i++)
        {
            // The pipeline's linspace(1, 1/N, N), computed in double and stored as float32 like numpy → torch.
            var sigma = (double)(float)(steps == 1 ? 1.0 : 1.0 + (1.0 / steps - 1.0) * i / (steps - 1));
            shifted[i] = (float)(config.UseDynamicShifting ? TimeShift(config.TimeShiftType, mu, sigma) : config.Shift * sigma / (1 + (config.Shift - 1) * sigma));
        }

        return new FlowMatchEulerScheduler(shifted, config.NumTrainTimesteps);
    }

    /// <summary>exp(μ)/(exp(μ) + (1/σ − 1)) for "exponential", μ/(μ + (1/σ − 1)) for "linear".</summary>
    public static double TimeShift(string type, double mu, double sigma) => type == "linear"
        ? mu / (mu + (1 / sigma - 1))
        : Math.Exp(mu) / (Math.Exp(mu) + (1 / sigma - 1));

    /// <summary>Advances <paramref name="sample"/> in place: x ← x + (σ_{step+1} − σ_step)·v.</summary>
    public void Step(int step, ReadOnlySpan<float> velocity, Span<float> sample) =>
        TensorPrimitives.MultiplyAdd(velocity, sigmas[step + 1] - sigmas[step], sample, sample);

    /// <summary>The clean estimate x₀ = x − σ·v at <paramref name="step"/> (for previews).</summary>
    public void PredictOriginal(int step, ReadOnlySpan<float> velocity, ReadOnlySpan<float> sample, Span<float> destination) =>
        TensorPrimitives.MultiplyAdd(velocity, -sigmas[step], sample, destination);

    /// <summary>Flow-matching forward process at <paramref name="step"/>: x = σ·noise + (1 − σ)·x₀ (img2img start, inpainting blend).</summary>
    public void ScaleNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, int step, Span<float> destination)
    {
        var sigma = sigmas[step];
        TensorPrimitives.Multiply(original, 1 - sigma, destination);
        TensorPrimitives.MultiplyAdd(noise, sigma, destination, destination);
    }
}
