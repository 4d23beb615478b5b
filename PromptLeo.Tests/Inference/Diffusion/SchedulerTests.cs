using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Diffusion.Schedulers;

namespace PromptLeo.Tests.Inference.Diffusion;

/// <summary>
/// Reference numbers come from the diffusers formulas for SD 1.5 (scaled_linear betas 0.00085–0.012, 1000 train
/// steps), evaluated independently in float64 with Python's standard library.
/// </summary>
public sealed class SchedulerTests
{
    private static readonly SchedulerConfig Sd15 = new();

    private static void Near(double expected, double actual, double relative = 1e-5) =>
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");

    [Fact]
    public void AlphasCumprod_Sd15_MatchesDiffusers()
    {
        var alphas = Sd15.AlphasCumprod();
        Near(0.99915, alphas[0], 1e-9);
        Near(0.2763326838229746, alphas[500]);
        Near(0.004660098513077234, alphas[999]);
    }

    [Fact]
    public void SchedulerConfig_Sd15File_ReadsDefaults()
    {
        var directory = Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N"));
        PromptLeo.Inference.Models.Demo.TinyDiffusionModelWriter.Write(directory);
        var config = SchedulerConfig.Load(Path.Combine(directory, "scheduler", "scheduler_config.json"));
        Assert.Equal(1, config.StepsOffset);
        Assert.Equal(0.012, config.BetaEnd);
        Assert.Null(config.TimestepSpacing);
        Assert.False(config.SetAlphaToOne);
        Directory.Delete(directory, true);
    }

    [Theory]
    [InlineData(20, 946.421052631579, 10.746843988817078)]
    [InlineData(50, 978.6122448979592, 12.936773160118904)]
    public void EulerDiscrete_Linspace_SigmasMatchDiffusers(int steps, double secondTimestep, double secondSigma)
    {
        var scheduler = new EulerDiscreteScheduler(Sd15, steps);
        Assert.Equal(steps, scheduler.Timesteps.Count);
        Assert.Equal(steps + 1, scheduler.Sigmas.Length);
        Near(999, scheduler.Timesteps[0]);
        Near(secondTimestep, scheduler.Timesteps[1]);
        Near(0, scheduler.Timesteps[^1]);
        Near(14.614641229333646, scheduler.Sigmas[0]);
        Near(secondSigma, scheduler.Sigmas[1]);
        Near(0.029167158151720367, scheduler.Sigmas[^2]);
        Assert.Equal(0, scheduler.Sigmas[^1]);
        Near(14.614641229333646, scheduler.InitNoiseSigma);
    }

    [Fact]
    public void EulerDiscrete_Leading_UsesStepsOffsetAndLargerInitSigma()
    {
        var scheduler = new EulerDiscreteScheduler(Sd15 with { TimestepSpacing = "leading" }, 20);
        Assert.Equal([951, 901], scheduler.Timesteps.Take(2));
        Assert.Equal(1, scheduler.Timesteps[^1]);
        Near(11.028331164775226, scheduler.Sigmas[0]);
        Near(0.04131441199678309, scheduler.Sigmas[^2]);
        Near(11.07357612878299, scheduler.InitNoiseSigma);
    }

    [Fact]
    public void EulerDiscrete_Step_MatchesReference()
    {
        var scheduler = new EulerDiscreteScheduler(Sd15, 20);
        float[] sample = [1f, 1f], eps = [0.5f, 0.5f], x0 = new float[2];
        Near(0.06826491421716747, scheduler.ModelInputScale(0));
        scheduler.Step(0, eps, sample, [], x0);
        Near(-0.933898620258284, sample[0], 1e-5);
    }

    [Fact]
    public void EulerAncestral_Step_MatchesReference()
    {
        var scheduler = new EulerAncestralDiscreteScheduler(Sd15, 20);
        float[] sample = [1f], eps = [0.5f], noise = [0.25f], x0 = new float[1];
        scheduler.Step(0, eps, sample, noise, x0);
        Near(-0.5352296891236497, sample[0], 1e-5);
        Assert.True(scheduler.NeedsNoise);
    }

    [Fact]
    public void Ddim_Leading50_TimestepsAndStepsMatchReference()
    {
        var scheduler = new DdimScheduler(Sd15, 50, 1);
        Assert.Equal([981, 961, 941], scheduler.Timesteps.Take(3));
        Assert.Equal(1, scheduler.Timesteps[^1]);
        Assert.Equal(1f, scheduler.InitNoiseSigma);

        float[] sample = [1f], x0 = new float[1];
        scheduler.Step(0, [0.5f], sample, [], x0);
        Near(1.0612256978197867, sample[0], 1e-5);

        // The last step (t=1) goes to the "final" alpha, which is alphas_cumprod[0] when set_alpha_to_one is false.
        sample[0] = 1f;
        scheduler.Step(49, [0.5f], sample, [], x0);
        Near(0.9943565783818035, sample[0], 1e-5);
    }

    [Theory]
    [InlineData(4, new[] { 999, 759, 499, 259 })]
    [InlineData(8, new[] { 999, 879, 759, 639, 499, 379, 259, 139 })]
    public void Lcm_Timesteps_MatchDiffusers(int steps, int[] expected)
    {
        var scheduler = new LcmScheduler(Sd15, steps);
        Assert.Equal(expected.Select(t => (double)t), scheduler.Timesteps);
    }

    [Fact]
    public void Lcm_Step_MatchesReference()
    {
        var scheduler = new LcmScheduler(Sd15, 4);
        float[] sample = [1f], x0 = new float[1];
        scheduler.Step(0, [0.5f], sample, [0.25f], x0);
        Near(1.9209279204807275, sample[0], 1e-5);
    }

    [Fact]
    public void Lms_Coefficients_MatchExactPolynomialIntegration()
    {
        var scheduler = new LmsDiscreteScheduler(Sd15, 20, 1);
        Near(-3.867797240516568, scheduler.Coefficient(1, 0, 0), 1e-9);
        double[] expected = [-1.3148496040263922, 0.8536490948085742, -0.32607785326394634, 0.04566356512090852];
        for (var k = 0; k < 4; k++)
        {
            Near(expected[k], scheduler.Coefficient(4, 5, k), 1e-9);
        }
    }

    [Fact]
    public void Lms_FiveSteps_MatchReferenceTrajectory()
    {
        var scheduler = new LmsDiscreteScheduler(Sd15, 20, 1);
        float[] sample = [1f], x0 = new float[1];
        float[] eps = [0.5f, -0.3f, 0.2f, 0.1f, 0.4f];
        for (var i = 0; i < eps.Length; i++)
        {
            scheduler.Step(i, [eps[i]], sample, [], x0);
        }

        Near(-0.9672709840611343, sample[0], 1e-4);
    }

    [Theory]
    [InlineData(SchedulerKind.Euler, 0.0)]
    [InlineData(SchedulerKind.EulerAncestral, 0.0)]
    [InlineData(SchedulerKind.Lms, 0.0)]
    [InlineData(SchedulerKind.Ddim, 1.0)]
    [InlineData(SchedulerKind.Lcm, 19.0)]
    public void Factory_AllKinds_EndNearTimestepZero(SchedulerKind kind, double lastTimestep)
    {
        var scheduler = SchedulerFactory.Create(kind, Sd15, kind == SchedulerKind.Lcm ? 50 : 10, 4);
        Assert.Equal(lastTimestep, scheduler.Timesteps[^1], 6);
        Assert.True(scheduler.Timesteps[0] > scheduler.Timesteps[^1]);
    }

    // SD 2.1 (768-v) ships a DDIMScheduler config with prediction_type v_prediction; SD-Turbo an Euler config with trailing spacing.
    private static readonly SchedulerConfig Sd21 = Sd15 with { PredictionType = "v_prediction" };
    private static readonly SchedulerConfig Turbo = Sd15 with { TimestepSpacing = "trailing" };

    [Theory]
    [InlineData(1, new[] { 999 }, 0.0)]
    [InlineData(4, new[] { 999, 749, 499, 249 }, 4.081729363724309)]
    public void EulerDiscrete_Trailing_TimestepsSigmasAndInitSigmaMatchDiffusers(int steps, int[] expected, double secondSigma)
    {
        // trailing: round(arange(T, 0, −T/n)) − 1; init_noise_sigma = max σ (no √(σ²+1) for linspace/trailing).
        var scheduler = new EulerDiscreteScheduler(Turbo, steps);
        Assert.Equal(expected.Select(t => (double)t), scheduler.Timesteps);
        Near(14.614641229333646, scheduler.Sigmas[0]);
        Near(secondSigma, scheduler.Sigmas[1]);
        Near(14.614641229333646, scheduler.InitNoiseSigma);
    }

    [Fact]
    public void EulerDiscrete_TurboOneStep_LandsOnPredictedOriginal()
    {
        // x₀ = x − σε; x ← x + (0 − σ)(x − x₀)/σ = x₀ = 1 − 14.6146·0.5.
        var scheduler = new EulerDiscreteScheduler(Turbo, 1);
        float[] sample = [1f], x0 = new float[1];
        scheduler.Step(0, [0.5f], sample, [], x0);
        Near(-6.307320614666823, sample[0]);
    }

    [Theory]
    [InlineData(SchedulerKind.EulerAncestral)]
    [InlineData(SchedulerKind.Lms)]
    [InlineData(SchedulerKind.Ddim)]
    public void OtherSchedulers_Trailing_UseTheSameTimesteps(SchedulerKind kind)
    {
        var scheduler = SchedulerFactory.Create(kind, Turbo, 4, 1);
        Assert.Equal([999, 749, 499, 249], scheduler.Timesteps);
        if (scheduler is SigmaScheduler sigmas)
        {
            Near(14.614641229333646, sigmas.InitNoiseSigma);
        }
    }

    [Fact]
    public void Ddim_LinspaceAndTrailing_MatchDiffusers()
    {
        // DDIM linspace: round(linspace(0, T−1, n))[::-1]; prev timestep is always t − T//n.
        Assert.Equal([999, 666, 333, 0], new DdimScheduler(Sd15 with { TimestepSpacing = "linspace" }, 4, 1).Timesteps);
        var trailing = new DdimScheduler(Turbo, 4, 1);
        float[] sample = [1f], x0 = new float[1];
        trailing.Step(0, [0.5f], sample, [], x0);
        // √ᾱ₇₄₉·x̂₀ + √(1−ᾱ₇₄₉)·ε with x̂₀ = (x − √(1−ᾱ₉₉₉)ε)/√ᾱ₉₉₉.
        Near(2.2325968372633254, sample[0]);
    }

    [Fact]
    public void Ddim_ClipSampleOn_ClampsPredictedOriginal()
    {
        // clip_sample (DDIM's diffusers default when the config names none): x̂₀ clamped to ±1, ε kept.
        var scheduler = new DdimScheduler(Turbo with { ClipSample = null }, 4, 1);
        float[] sample = [1f], x0 = new float[1];
        scheduler.Step(0, [0.5f], sample, [], x0);
        Assert.Equal(1f, x0[0]);
        Near(0.7235947671396997, sample[0]);
    }

    [Fact]
    public void Ddim_SamplePrediction_UsesOutputAsOriginal()
    {
        // prediction_type sample: x̂₀ = output, ε = (x − √ᾱ·x̂₀)/√(1−ᾱ).
        var scheduler = new DdimScheduler(Turbo with { PredictionType = "sample" }, 4, 1);
        float[] sample = [1f], x0 = new float[1];
        scheduler.Step(0, [0.3f], sample, [], x0);
        Near(1.024996119990162, sample[0]);
    }

    [Theory]
    [InlineData(SchedulerKind.Euler, 0.6045636623632851)]
    [InlineData(SchedulerKind.Lms, 0.6045636623632851)]
    [InlineData(SchedulerKind.EulerAncestral, 2.1345374181985157)]
    [InlineData(SchedulerKind.Ddim, 0.995272757487793)]
    [InlineData(SchedulerKind.Lcm, 0.14500030461340735)]
    public void VPrediction_FirstStep_MatchesDiffusers(SchedulerKind kind, double expected)
    {
        // Sigma schedulers: x̂₀ = v·(−σ/√(σ²+1)) + x/(σ²+1) (20 linspace steps; LMS's first step is order 1, so equal to Euler).
        // Alpha schedulers: x̂₀ = √ᾱ·x − √(1−ᾱ)·v, ε = √ᾱ·v + √(1−ᾱ)·x (DDIM 50 leading steps 981→961; LCM 4 steps 999→759 with c_skip/c_out).
        var steps = kind switch { SchedulerKind.Ddim => 50, SchedulerKind.Lcm => 4, _ => 20 };
        var scheduler = SchedulerFactory.Create(kind, Sd21, steps, 1);
        float[] sample = [1f], x0 = new float[1];
        scheduler.Step(0, [0.5f], sample, [0.25f], x0);
        Near(expected, sample[0]);
    }

    [Fact]
    public void RescaleBetasZeroSnr_AlphasEndAtZeroAndEulerKeepsSigmaFinite()
    {
        // rescale_zero_terminal_snr: √ᾱ' = (√ᾱ − √ᾱ_T)·√ᾱ_0/(√ᾱ_0 − √ᾱ_T); Euler then sets ᾱ'_T = 2⁻²⁴ (σ_max = √((1−2⁻²⁴)/2⁻²⁴)).
        var config = Sd21 with { RescaleBetasZeroSnr = true, TimestepSpacing = "trailing" };
        var alphas = config.AlphasCumprod();
        Near(0.99915, alphas[0], 1e-9);
        Near(0.2410187827573158, alphas[500]);
        Assert.Equal(0, alphas[999]);

        var euler = new EulerDiscreteScheduler(config, 4);
        Near(4095.9998779296857, euler.Sigmas[0]);
        Near(5.398738388094267, euler.Sigmas[1]);
        Near(4095.9998779296857, euler.InitNoiseSigma);

        // DDIM at ᾱ = 0 with v-prediction: x̂₀ = −v, ε = x.
        var ddim = new DdimScheduler(config, 4, 1);
        float[] sample = [1f], x0 = new float[1];
        ddim.Step(0, [0.5f], sample, [], x0);
        Near(0.8922091851812086, sample[0]);
    }

    [Fact]
    public void SchedulerConfig_Sd21AndTurboFiles_ReadPredictionSpacingAndRescale()
    {
        var config = LoadConfig("""{"_class_name":"DDIMScheduler","prediction_type":"v_prediction","timestep_spacing":"trailing","rescale_betas_zero_snr":true,"steps_offset":1}""");

        Assert.Equal("v_prediction", config.PredictionType);
        Assert.Equal("trailing", config.TimestepSpacing);
        Assert.True(config.RescaleBetasZeroSnr);
        Assert.Null(config.ClipSample);
        Assert.Equal(SchedulerKind.Ddim, config.ShippedFirst([SchedulerKind.Euler, SchedulerKind.Ddim])[0]);
    }

    [Theory]
    [InlineData("prediction_type", "flow", "prediction_type 'flow' is not supported")]
    [InlineData("timestep_spacing", "karras", "timestep_spacing 'karras' is not supported")]
    public void SchedulerConfig_UnknownValue_RefusedAtLoad(string field, string value, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() => LoadConfig($$"""{"{{field}}":"{{value}}"}"""));

        Assert.Contains(expected, error.Message);
    }

    private static SchedulerConfig LoadConfig(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N") + ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);
        try
        {
            return SchedulerConfig.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
