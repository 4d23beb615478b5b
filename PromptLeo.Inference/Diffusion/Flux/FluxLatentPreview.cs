namespace PromptLeo.Inference.Diffusion.Flux;

/// <summary>
/// Cheap preview for 16-channel FLUX latents: a fixed linear map from the channels to RGB plus a bias, at latent
/// resolution, applied to the predicted clean latents (no VAE run). The factors are the ones ComfyUI publishes
/// for FLUX in <c>comfy/latent_formats.py</c> (<c>latent_rgb_factors</c>, <c>latent_rgb_factors_bias</c>).
/// </summary>
internal static class FluxLatentPreview
{
    private static readonly float[,] Factors =
    {
        { -0.0346f, 0.0244f, 0.0681f },
        { 0.0034f, 0.0210f, 0.0687f },
        { 0.0275f, -0.0668f, -0.0433f },
        { -0.0174f, 0.0160f, 0.0617f },
        { 0.0859f, 0.0721f, 0.0329f },
        { 0.0004f, 0.0383f, 0.0115f },
        { 0.0405f, 0.0861f, 0.0915f },
        { -0.0236f, -0.0185f, -0.0259f },
        { -0.0245f, 0.0250f, 0.1180f },
        { 0.1008f, 0.0755f, -0.0421f },
        { -0.0515f, 0.0201f, 0.0011f },
        { 0.0428f, -0.0012f, -0.0036f },
        { 0.0817f, 0.0765f, 0.0749f },
        { -0.1264f, -0.0522f, -0.1103f },
        { -0.0280f, -0.0881f, -0.0499f },
        { -0.1262f, -0.0982f, -0.0778f },
    };

    private static readonly float[] Bias = [-0.0329f, -0.0718f, -0.0851f];

    public const int Channels = 16;

    /// <summary>Renders [16,h,w] transformer-space latents as a PNG of h×w pixels.</summary>
    public static byte[] Render(ReadOnlySpan<float> latents, int latentHeight, int latentWidth)
    {
        var plane = latentHeight * latentWidth;
        var rgb = new float[3 * plane];
        for (var c = 0; c < 3; c++)
        {
            var destination = rgb.AsSpan(c * plane, plane);
            destination.Fill(Bias[c]);
            for (var channel = 0; channel < Channels; channel++)
            {
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(latents.Slice(channel * plane, plane), Factors[channel, c], destination, destination);
            }
        }

        return ImageCodec.EncodePng(rgb, latentWidth, latentHeight);
    }
}
