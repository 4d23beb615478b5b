using PromptLeo.Inference.Diffusion.Flux;

namespace PromptLeo.Tests.Inference.Diffusion.Flux;

public sealed class FlowMatchEulerSchedulerTests
{
    private static readonly FlowMatchSchedulerConfig Schnell = new() { Shift = 1.0, UseDynamicShifting = false };
    private static readonly FlowMatchSchedulerConfig Dev = new() { Shift = 3.0, UseDynamicShifting = true };

    [Theory]
    // μ = base_shift + (max_shift − base_shift)/(max_len − base_len)·(seq_len − base_len), seq_len = (H/16)·(W/16).
    [InlineData(1024, 1024, 1.15)] // 64·64 = 4096 tokens: the max end.
    [InlineData(512, 512, 0.63)] // 32·32 = 1024 tokens: 0.5 + 0.65·768/3840.
    [InlineData(256, 256, 0.5)] // 16·16 = 256 tokens: the base end.
    public void Mu_ImageSize_IsLinearInTheSequenceLength(int width, int height, double expected)
    {
        Assert.Equal(expected, Dev.Mu(width / 16 * (height / 16)), 12);
    }

    [Fact]
    public void Create_SchnellFixedShiftOne_KeepsTheLinspace()
    {
        // linspace(1, 1/4, 4) and a shift of 1 (σ' = σ), then the terminal 0.
        var scheduler = FlowMatchEulerScheduler.Create(Schnell, 4, 4096);

        Assert.Equal([1f, 0.75f, 0.5f, 0.25f, 0f], scheduler.Sigmas);
        Assert.Equal([1000f, 750f, 500f, 250f], scheduler.Timesteps);
    }

    [Fact]
    public void Create_FixedShiftThree_AppliesShiftFormula()
    {
        // σ' = s·σ/(1 + (s − 1)·σ) with s = 3: 0.75 → 2.25/2.5 = 0.9, 0.5 → 1.5/2 = 0.75, 0.25 → 0.75/1.5 = 0.5.
        var scheduler = FlowMatchEulerScheduler.Create(Dev with { UseDynamicShifting = false }, 4, 4096);

        AssertClose([1f, 0.9f, 0.75f, 0.5f, 0f], scheduler.Sigmas);
    }

    [Theory]
    // time_shift: σ' = e^μ/(e^μ + (1/σ − 1)) on linspace(1, 1/4, 4); e^1.15 = 3.158192909689767, e^0.63 = 1.8776105792643432.
    [InlineData(4096, new[] { 1f, 0.9045307667f, 0.7595109169f, 0.5128441015f, 0f })] // 1024² (μ = 1.15)
    [InlineData(1024, new[] { 1f, 0.8492348307f, 0.6524894622f, 0.3849447488f, 0f })] // 512² (μ = 0.63)
    public void Create_DevDynamicShifting_ShiftsByResolution(int imageTokens, float[] expected)
    {
        var scheduler = FlowMatchEulerScheduler.Create(Dev, 4, imageTokens);

        AssertClose(expected, scheduler.Sigmas);
        AssertClose(expected[..^1].Select(s => s * 1000).ToArray(), scheduler.Timesteps, 1e-3f);
    }

    [Fact]
    public void TimeShift_Linear_UsesMuItself()
    {
        // "linear": μ/(μ + (1/σ − 1)) = 1.15/(1.15 + 1) at σ = 0.5
        Assert.Equal(1.15 / 2.15, FlowMatchEulerScheduler.TimeShift("linear", 1.15, 0.5), 12);
    }

    [Fact]
    public void Step_Velocity_MovesByTheSigmaDifference()
    {
        // x ← x + (σ₁ − σ₀)·v = 1 + (0.75 − 1)·2 = 0.5
        var scheduler = FlowMatchEulerScheduler.Create(Schnell, 4, 256);
        var sample = new[] { 1f, -1f };

        scheduler.Step(0, [2f, 4f], sample);

        Assert.Equal([0.5f, -2f], sample);
    }

    [Fact]
    public void ScaleNoise_AtStep_InterpolatesImageAndNoise()
    {
        // x = σ·noise + (1 − σ)·x₀ with σ₁ = 0.75: 0.75·4 + 0.25·2 = 3.5
        var scheduler = FlowMatchEulerScheduler.Create(Schnell, 4, 256);
        var destination = new float[1];

        scheduler.ScaleNoise([2f], [4f], 1, destination);

        Assert.Equal(3.5f, destination[0], 6);
    }

    [Fact]
    public void PredictOriginal_Velocity_SubtractsSigmaTimesVelocity()
    {
        // x₀ = x − σ·v at σ₁ = 0.75: 1 − 0.75·2 = −0.5
        var scheduler = FlowMatchEulerScheduler.Create(Schnell, 4, 256);
        var destination = new float[1];

        scheduler.PredictOriginal(1, [2f], [1f], destination);

        Assert.Equal(-0.5f, destination[0], 6);
    }

    [Theory]
    // t_start = ⌊N − min(N·strength, N)⌋ (diffusers FluxImg2ImgPipeline.get_timesteps)
    [InlineData(4, 1.0f, 0)]
    [InlineData(4, 0.6f, 1)]
    [InlineData(4, 0.5f, 2)]
    [InlineData(4, 0.1f, 3)]
    [InlineData(28, 0.75f, 7)]
    public void FirstStep_Strength_FollowsDiffusers(int steps, float strength, int expected)
    {
        Assert.Equal(expected, FluxPipeline.FirstStep(steps, strength));
    }

    [Fact]
    public void Load_DevConfig_ReadsDynamicShifting()
    {
        var path = Path.Combine(Path.GetTempPath(), "promptleo-tests", $"flow-{Guid.NewGuid():N}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // FLUX.1-dev's scheduler/scheduler_config.json.
        File.WriteAllText(path, """
            {"_class_name": "FlowMatchEulerDiscreteScheduler", "base_image_seq_len": 256, "base_shift": 0.5, "max_image_seq_len": 4096,
             "max_shift": 1.15, "num_train_timesteps": 1000, "shift": 3.0, "use_dynamic_shifting": true}
            """);
        try
        {
            var config = FlowMatchSchedulerConfig.Load(path);

            Assert.True(config.UseDynamicShifting);
            Assert.Equal(3.0, config.Shift);
            Assert.Equal(1.15, config.Mu(4096), 12);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual, float tolerance = 1e-6f)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"index {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
