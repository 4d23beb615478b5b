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

    /// <summary>SDXL's latent space has its own map and bias (ComfyUI's <c>latent_formats.SDXL</c>).</summary>
    public static readonly float[,] SdxlFactors =
    {
        { 0.3651f, 0.4232f, 0.4341f },
        { -0.2533f, -0.0042f, 0.1068f },
        { 0.1076f, 0.1111f, -0.0362f },
        { -0.3165f, -0.2492f, -0.2188f },
    };

    public static readonly float[] SdxlBias = [0.1084f, -0.0175f, -0.0011f];

    /// <summary>Renders [4,h,w] latents with <paramref name="factors"/> (SD 1.x/2.x's by default) and an optional per-colour bias.</summary>
    public static byte[] Render(ReadOnlySpan<float> latents, int latentHeight, int latentWidth, float[,]? factors = null, float[]? bias = null)
    {
        factors ??= Factors;
        var plane = latentHeight * latentWidth;
        var rgb = new float[3 * plane];
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < plane; i++)
            {
                rgb[c * plane + i] = latents[i] * factors[0, c] + latents[plane + i] * factors[1, c]
                    + latents[2 * plane + i] * factors[2, c] + latents[3 * plane + i] * factors[3, c] + (bias?[c] ?? 0f);
            }
        }

        return ImageCodec.EncodePng(rgb, latentWidth, latentHeight);
    }
}
