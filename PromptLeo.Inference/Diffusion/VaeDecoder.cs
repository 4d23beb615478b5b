using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace PromptLeo.Inference.Diffusion;

/// <summary>VAE decoder: <c>latent_sample</c> [1,4,h,w] (already divided by the scaling factor) to <c>sample</c> [1,3,8h,8w] in [-1,1].</summary>
internal sealed class VaeDecoder(InferenceSession session) : IDisposable
{
    public const string InputName = "latent_sample";
    public const string OutputName = "sample";

    private readonly TensorElementType inputType = OnnxTensorTypes.Of(session.InputMetadata, InputName);
    private readonly TensorElementType outputType = OnnxTensorTypes.Of(session.OutputMetadata, OutputName);

    /// <summary>Decodes one image's latents into <paramref name="pixels"/> ([3,8h,8w]).</summary>
    public void Decode(ReadOnlySpan<float> latents, float scalingFactor, int latentHeight, int latentWidth, float[] scratch, float[] pixels, RunOptions runOptions)
    {
        TensorPrimitives.Multiply(latents, 1f / scalingFactor, scratch);
        using var input = new OnnxTensorBinding(inputType, [1, 4, latentHeight, latentWidth], scratch);
        using var output = new OnnxTensorBinding(outputType, [1, 3, latentHeight * 8, latentWidth * 8], pixels);
        input.Upload();
        session.Run(runOptions, [InputName], [input.Value], [OutputName], [output.Value]);
        output.Download();
    }

    public void Dispose() => session.Dispose();
}

/// <summary>
/// VAE encoder for img2img and inpainting: <c>sample</c> [1,3,H,W] in [-1,1] to latents. Older optimum exports
/// output <c>latent_sample</c> (4 channels); newer ones output <c>latent_parameters</c> (mean and log-variance,
/// 8 channels), of which the mean is used.
/// </summary>
internal sealed class VaeEncoder(InferenceSession session) : IDisposable
{
    public const string InputName = "sample";
    private readonly TensorElementType inputType = OnnxTensorTypes.Of(session.InputMetadata, InputName);
    private readonly string outputName = session.OutputMetadata.ContainsKey("latent_sample") ? "latent_sample" : session.OutputMetadata.Keys.First();

    /// <summary>Encodes [3,H,W] pixels into [4,H/8,W/8] latents multiplied by the scaling factor.</summary>
    public float[] Encode(float[] pixels, int height, int width, float scalingFactor, RunOptions runOptions)
    {
        using var input = new OnnxTensorBinding(inputType, [1, 3, height, width], pixels);
        input.Upload();
        using var outputs = session.Run(runOptions, [InputName], [input.Value], [outputName]);
        var data = OnnxTensorTypes.ReadFloats(outputs[0]).AsSpan();
        var latents = new float[4 * (height / 8) * (width / 8)];
        TensorPrimitives.Multiply(data[..latents.Length], scalingFactor, latents);
        return latents;
    }

    public void Dispose() => session.Dispose();
}
