using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace PromptLeo.Inference.Diffusion.Flux;

/// <summary>
/// FLUX's 16-channel VAE scaling: the transformer works on (z − shift)·scale, the VAE on z (diffusers
/// <c>AutoencoderKL</c> with <c>scaling_factor</c> 0.3611 and <c>shift_factor</c> 0.1159 in FLUX.1's config).
/// </summary>
internal readonly record struct FluxLatentScaling(float ScalingFactor, float ShiftFactor)
{
    public const float DefaultScalingFactor = 0.3611f;
    public const float DefaultShiftFactor = 0.1159f;
}

/// <summary>VAE decoder: <c>latent_sample</c> [1,C,h,w] (VAE space) to <c>sample</c> [1,3,8h,8w] in [-1,1].</summary>
internal sealed class FluxVaeDecoder(InferenceSession session) : IDisposable
{
    public const string InputName = "latent_sample";
    public const string OutputName = "sample";

    private readonly TensorElementType inputType = OnnxTensorTypes.Of(session.InputMetadata, InputName);
    private readonly TensorElementType outputType = OnnxTensorTypes.Of(session.OutputMetadata, OutputName);

    /// <summary>Latent channels the decoder takes (16 for FLUX.1), or null when the export leaves it symbolic.</summary>
    public int? LatentChannels { get; } = FluxTransformer.Dimension(session.InputMetadata[InputName], 1);

    /// <summary>Decodes one image's transformer-space latents [C,h,w]: z = latents/scale + shift, then the VAE.</summary>
    public void Decode(ReadOnlySpan<float> latents, int channels, FluxLatentScaling scaling, int latentHeight, int latentWidth, float[] scratch, float[] pixels, RunOptions runOptions)
    {
        var z = scratch.AsSpan(0, latents.Length);
        TensorPrimitives.Multiply(latents, 1f / scaling.ScalingFactor, z);
        TensorPrimitives.Add(z, scaling.ShiftFactor, z);
        using var input = new OnnxTensorBinding(inputType, [1, channels, latentHeight, latentWidth], scratch);
        using var output = new OnnxTensorBinding(outputType, [1, 3, latentHeight * 8, latentWidth * 8], pixels);
        input.Upload();
        session.Run(runOptions, [InputName], [input.Value], [OutputName], [output.Value]);
        output.Download();
    }

    public void Dispose() => session.Dispose();
}

/// <summary>
/// VAE encoder for img2img and inpainting: <c>sample</c> [1,3,H,W] in [-1,1] to the latent mean (the first C
/// channels of <c>latent_parameters</c>, or <c>latent_sample</c> in older exports), then (z − shift)·scale.
/// </summary>
internal sealed class FluxVaeEncoder(InferenceSession session) : IDisposable
{
    public const string InputName = "sample";

    private readonly TensorElementType inputType = OnnxTensorTypes.Of(session.InputMetadata, InputName);
    private readonly string outputName = session.OutputMetadata.ContainsKey("latent_sample") ? "latent_sample" : session.OutputMetadata.Keys.First();

    /// <summary>Encodes [3,H,W] pixels into transformer-space latents [C,H/8,W/8].</summary>
    public float[] Encode(float[] pixels, int height, int width, int channels, FluxLatentScaling scaling, RunOptions runOptions)
    {
        using var input = new OnnxTensorBinding(inputType, [1, 3, height, width], pixels);
        input.Upload();
        using var outputs = session.Run(runOptions, [InputName], [input.Value], [outputName]);
        var mean = OnnxTensorTypes.ReadFloats(outputs[0]).AsSpan(0, channels * (height / 8) * (width / 8));
        var latents = new float[mean.Length];
        TensorPrimitives.Subtract(mean, scaling.ShiftFactor, latents);
        TensorPrimitives.Multiply(latents, scaling.ScalingFactor, latents);
        return latents;
    }

    public void Dispose() => session.Dispose();
}
