using System.Text.Json;

namespace PromptLeo.Inference.Diffusion.Schedulers;

/// <summary>The fields of a diffusers <c>scheduler_config.json</c> the schedulers use (defaults: Stable Diffusion 1.5).</summary>
internal sealed record SchedulerConfig
{
    /// <summary>The diffusers class the model ships with (<c>_class_name</c>); the pipeline's default scheduler.</summary>
    public string? ClassName { get; init; }
    public int NumTrainTimesteps { get; init; } = 1000;
    public double BetaStart { get; init; } = 0.00085;
    public double BetaEnd { get; init; } = 0.012;
    public string BetaSchedule { get; init; } = "scaled_linear";
    public double[]? TrainedBetas { get; init; }
    public int StepsOffset { get; init; } = 1;
    public bool SetAlphaToOne { get; init; }
    /// <summary>"leading", "linspace" or "trailing"; null uses each scheduler's diffusers default.</summary>
    public string? TimestepSpacing { get; init; }
    /// <summary>"epsilon", "v_prediction" (SD 2.x 768) or "sample".</summary>
    public string PredictionType { get; init; } = "epsilon";
    public int OriginalInferenceSteps { get; init; } = 50;
    /// <summary>Rescale the betas to zero terminal SNR (Lin et al. 2023, Algorithm 1); used with v-prediction and trailing spacing.</summary>
    public bool RescaleBetasZeroSnr { get; init; }
    /// <summary>Clamp x̂₀ to ±<see cref="ClipSampleRange"/> in DDIM and LCM; null uses each scheduler's diffusers default.</summary>
    public bool? ClipSample { get; init; } = false;
    public double ClipSampleRange { get; init; } = 1.0;

    public static readonly IReadOnlyList<string> PredictionTypes = ["epsilon", "v_prediction", "sample"];
    public static readonly IReadOnlyList<string> Spacings = ["linspace", "leading", "trailing"];

    public static SchedulerConfig Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        var defaults = new SchedulerConfig();
        var config = new SchedulerConfig
        {
            ClassName = String(root, "_class_name"),
            NumTrainTimesteps = Int(root, "num_train_timesteps") ?? defaults.NumTrainTimesteps,
            BetaStart = Double(root, "beta_start") ?? defaults.BetaStart,
            BetaEnd = Double(root, "beta_end") ?? defaults.BetaEnd,
            BetaSchedule = String(root, "beta_schedule") ?? defaults.BetaSchedule,
            TrainedBetas = root.TryGetProperty("trained_betas", out var betas) && betas.ValueKind == JsonValueKind.Array
                ? betas.EnumerateArray().Select(b => b.GetDouble()).ToArray()
                : null,
            StepsOffset = Int(root, "steps_offset") ?? 0,
            SetAlphaToOne = root.TryGetProperty("set_alpha_to_one", out var one) && one.ValueKind == JsonValueKind.True,
            TimestepSpacing = String(root, "timestep_spacing"),
            PredictionType = String(root, "prediction_type") ?? defaults.PredictionType,
            OriginalInferenceSteps = Int(root, "original_inference_steps") ?? defaults.OriginalInferenceSteps,
            RescaleBetasZeroSnr = root.TryGetProperty("rescale_betas_zero_snr", out var rescale) && rescale.ValueKind == JsonValueKind.True,
            ClipSample = root.TryGetProperty("clip_sample", out var clip) && clip.ValueKind is JsonValueKind.True or JsonValueKind.False ? clip.GetBoolean() : null,
            ClipSampleRange = Double(root, "clip_sample_range") ?? defaults.ClipSampleRange,
        };
        // A value the schedulers do not know would silently run as epsilon/default spacing and give noise: refuse it at load.
        if (!PredictionTypes.Contains(config.PredictionType))
        {
            throw new InvalidOperationException($"prediction_type '{config.PredictionType}' is not supported (supported: {string.Join(", ", PredictionTypes)}).");
        }

        if (config.TimestepSpacing is { } spacing && !Spacings.Contains(spacing))
        {
            throw new InvalidOperationException($"timestep_spacing '{spacing}' is not supported (supported: {string.Join(", ", Spacings)}).");
        }

        return config;
    }

    /// <summary>
    /// <paramref name="available"/> with the scheduler the model ships with first (diffusers uses it when none is
    /// picked: DDIM for SD 2.1, Euler for SD-Turbo); PNDM and unknown classes keep the given order.
    /// </summary>
    public IReadOnlyList<SchedulerKind> ShippedFirst(IReadOnlyList<SchedulerKind> available)
    {
        SchedulerKind? shipped = ClassName switch
        {
            "EulerDiscreteScheduler" => SchedulerKind.Euler,
            "EulerAncestralDiscreteScheduler" => SchedulerKind.EulerAncestral,
            "DDIMScheduler" => SchedulerKind.Ddim,
            "LMSDiscreteScheduler" => SchedulerKind.Lms,
            "LCMScheduler" => SchedulerKind.Lcm,
            _ => null,
        };
        return shipped is { } first && available.Contains(first) ? [first, .. available.Where(k => k != first)] : available;
    }

    /// <summary>ᾱ_t = Π(1 − β), computed in double like diffusers' float64 numpy path.</summary>
    public double[] AlphasCumprod()
    {
        var betas = TrainedBetas ?? BetaSchedule switch
        {
            "linear" => Linspace(BetaStart, BetaEnd, NumTrainTimesteps),
            "scaled_linear" => Linspace(Math.Sqrt(BetaStart), Math.Sqrt(BetaEnd), NumTrainTimesteps).Select(b => b * b).ToArray(),
            _ => throw new NotSupportedException($"beta_schedule '{BetaSchedule}' is not supported."),
        };
        var cumulative = new double[betas.Length];
        var product = 1.0;
        for (var i = 0; i < betas.Length; i++)
        {
            product *= 1 - betas[i];
            cumulative[i] = product;
        }

        return RescaleBetasZeroSnr ? RescaleZeroTerminalSnr(cumulative) : cumulative;
    }

    /// <summary>
    /// diffusers <c>rescale_zero_terminal_snr</c>: √ᾱ shifted so the last is 0 and scaled so the first is unchanged,
    /// √ᾱ'_t = (√ᾱ_t − √ᾱ_T)·√ᾱ_0/(√ᾱ_0 − √ᾱ_T); the rescaled betas' cumulative product is ᾱ'_t = (√ᾱ'_t)².
    /// </summary>
    private static double[] RescaleZeroTerminalSnr(double[] alphasCumprod)
    {
        double first = Math.Sqrt(alphasCumprod[0]), last = Math.Sqrt(alphasCumprod[^1]);
        return alphasCumprod.Select(a => Math.Pow((Math.Sqrt(a) - last) * first / (first - last), 2)).ToArray();
    }

    public static double[] Linspace(double start, double end, int count)
    {
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = count == 1 ? start : start + (end - start) * i / (count - 1);
        }

        return values;
    }

    /// <summary>Descending timesteps for <paramref name="steps"/> inference steps with the given spacing (diffusers semantics).</summary>
    public double[] Timesteps(int steps, string spacing)
    {
        var t = NumTrainTimesteps;
        return spacing switch
        {
            "linspace" => Linspace(0, t - 1, steps).Reverse().ToArray(),
            "leading" => Enumerable.Range(0, steps).Select(i => (double)(i * (t / steps)) + StepsOffset).Reverse().ToArray(),
            "trailing" => Enumerable.Range(0, steps).Select(i => Math.Round(t - i * ((double)t / steps)) - 1).ToArray(),
            _ => throw new NotSupportedException($"timestep_spacing '{spacing}' is not supported."),
        };
    }

    private static int? Int(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;

    private static double? Double(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
