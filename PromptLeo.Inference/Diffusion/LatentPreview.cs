namespace PromptLeo.Inference.Diffusion;

/// <summary>
/// Cheap preview: a fixed linear map from the 4 SD latent channels to RGB at latent resolution (the "cheap
/// approximation" popularised by AUTOMATIC1111), applied to the predicted clean latents. No VAE run.
/// </summary>
internal static class LatentPreview
{
    private static readonly float[,] Factors =
    {
        { 0.298f, 0.207f, 0.208f },
        { 0.187f, 0.286f, 0.173f },
        { -0.158f, 0.189f, 0.264f },
        { -0.184f, -0.271f, -0.473f },
    };

    public static byte[] Render(ReadOnlySpan<float> latents, int latentHeight, int latentWidth)
    {
        var plane = latentHeight * latentWidth;
        var rgb = new float[3 * plane];
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < plane; i++)
            {
                rgb[c * plane + i] = latents[i] * Factors[0, c] + latents[plane + i] * Factors[1, c]
                    + latents[2 * plane + i] * Factors[2, c] + latents[3 * plane + i] * Factors[3, c];
            }
        }

        return ImageCodec.EncodePng(rgb, latentWidth, latentHeight);
    }
}
