using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Diffusion.Schedulers;
using PromptLeo.Inference.Models;

namespace PromptLeo.Tests.Inference.Diffusion;

/// <summary>SDXL's conditioning arithmetic against values worked out by hand from diffusers' formulas.</summary>
public sealed class SdxlConditioningTests
{
    [Fact]
    public void TimeIds_OriginalCropTarget_InDiffusersOrder()
    {
        // _get_add_time_ids: list(original_size + crops_coords_top_left + target_size), sizes as (height, width).
        Assert.Equal([1024f, 1024f, 0f, 0f, 1024f, 1024f], SdxlConditioning.TimeIds(1024, 1024, 0, 0, 1024, 1024));
        Assert.Equal([768f, 1344f, 16f, 32f, 512f, 640f], SdxlConditioning.TimeIds(768, 1344, 16, 32, 512, 640));
    }

    [Fact]
    public void ConcatenateChannels_PerToken_FirstEncoderThenSecond()
    {
        // Two tokens: encoder 1 gives 2 channels each, encoder 2 gives 3; concat along the last axis.
        float[] first = [1, 2, 3, 4];
        float[] second = [10, 20, 30, 40, 50, 60];

        Assert.Equal([1f, 2f, 10f, 20f, 30f, 3f, 4f, 40f, 50f, 60f], SdxlConditioning.ConcatenateChannels(first, 2, second, 3));
    }

    [Fact]
    public void ConcatenateChannels_DifferentTokenCounts_Throws()
    {
        Assert.Throws<ArgumentException>(() => SdxlConditioning.ConcatenateChannels(new float[4], 2, new float[9], 3));
    }

    [Fact]
    public void WithZeroRowFirst_PrependsOneZeroRow()
    {
        Assert.Equal([0f, 0f, 0f, 7f, 8f, 9f], SdxlConditioning.WithZeroRowFirst([7, 8, 9], 3));
    }

    [Theory]
    [InlineData(12, "hidden_states.11")] // CLIP ViT-L: 12 layers, hidden_states.0..12
    [InlineData(32, "hidden_states.31")] // OpenCLIP bigG: 32 layers, hidden_states.0..32
    public void PenultimateHiddenState_OptimumOutputs_IsTransformersHiddenStatesMinusTwo(int layers, string expected)
    {
        var outputs = new[] { "text_embeds", "last_hidden_state" }.Concat(Enumerable.Range(0, layers + 1).Select(i => $"hidden_states.{i}").Reverse());

        Assert.Equal(expected, TextEncoder.PenultimateHiddenState(outputs, "text_encoder_2/model.onnx"));
    }

    [Fact]
    public void PenultimateHiddenState_NoHiddenStates_NamesFileAndOutputs()
    {
        var error = Assert.Throws<ModelLoadException>(() => TextEncoder.PenultimateHiddenState(["last_hidden_state", "pooler_output"], "text_encoder/model.onnx"));

        Assert.StartsWith("text_encoder/model.onnx: outputs 'hidden_states.N' missing (has: last_hidden_state, pooler_output)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RepeatRows_Guided_NegativeRowsThenPromptRowsPerImage()
    {
        float[] sources = [1, 1, 2, 2];

        Assert.Equal([1f, 1f, 1f, 1f, 2f, 2f, 2f, 2f], UNetConditioning.RepeatRows(sources, 2, batch: 2, guided: true));
        Assert.Equal([2f, 2f, 2f, 2f], UNetConditioning.RepeatRows([2, 2], 2, batch: 2, guided: false));
    }

    [Fact]
    public void KnownLatentBlend_KeepsImageLatentsNoisedToNextStepOutsideMask_CleanAfterLastStep()
    {
        var scheduler = new EulerDiscreteScheduler(new SchedulerConfig(), 4);
        // One image, 2 channels of a 2-pixel plane; pixel 0 is repainted, pixel 1 kept.
        float[] image = [1, 2, 3, 4];
        float[] noise = [0.5f, -0.5f, 1f, -1f];
        var blend = new KnownLatentBlend(image, noise, [1f, 0f], batch: 1);
        float[] latents = [10, 20, 30, 40];

        blend.Apply(scheduler, step: 1, steps: 4, latents);
        var noised = new float[4];
        scheduler.AddNoise(image, noise, 2, noised);

        Assert.Equal([10f, noised[1], 30f, noised[3]], latents);
        Assert.Equal(2 - 0.5f * (float)scheduler.Sigmas[2], noised[1], 4);

        float[] last = [10, 20, 30, 40];
        blend.Apply(scheduler, step: 3, steps: 4, last);
        Assert.Equal([10f, 2f, 30f, 4f], last);
    }
}
