namespace PromptLeo.Inference.Diffusion.Flux;

/// <summary>
/// FLUX's latent layout: the VAE's [C,h,w] latents become a sequence of 2×2 patches, [(h/2)(w/2), 4C], patch (i,j)
/// at token i·(w/2)+j with feature c·4 + dy·2 + dx (diffusers <c>_pack_latents</c>: view, permute(0,2,4,1,3,5),
/// reshape); each image token has the position id (0, i, j), each text token (0, 0, 0).
/// </summary>
internal static class FluxLatents
{
    /// <summary>Packs one image's [C,h,w] latents into [(h/2)(w/2), 4C] tokens.</summary>
    public static void Pack(ReadOnlySpan<float> latents, int channels, int height, int width, Span<float> packed) =>
        Move(latents, packed, channels, height, width, toPacked: true);

    /// <summary>Unpacks [(h/2)(w/2), 4C] tokens into one image's [C,h,w] latents.</summary>
    public static void Unpack(ReadOnlySpan<float> packed, int channels, int height, int width, Span<float> latents) =>
        Move(packed, latents, channels, height, width, toPacked: false);

    /// <summary>Image position ids [(h/2)(w/2), 3]: (0, row, column) of each 2×2 patch.</summary>
    public static float[] ImageIds(int latentHeight, int latentWidth)
    {
        int rows = latentHeight / 2, columns = latentWidth / 2;
        var ids = new float[rows * columns * 3];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                var token = i * columns + j;
                ids[token * 3 + 1] = i;
                ids[token * 3 + 2] = j;
            }
        }

        return ids;
    }

    private static void Move(ReadOnlySpan<float> source, Span<float> destination, int channels, int height, int width, bool toPacked)
    {
        if (height % 2 != 0 || width % 2 != 0)
        {
            throw new ArgumentException($"latent size {height}x{width} must be even to pack 2×2 patches.");
        }

        int columns = width / 2, features = channels * 4;
        for (var c = 0; c < channels; c++)
        {
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var spatial = (c * height + y) * width + x;
                    var token = (y / 2) * columns + x / 2;
                    var packedIndex = token * features + c * 4 + (y % 2) * 2 + x % 2;
                    if (toPacked)
                    {
                        destination[packedIndex] = source[spatial];
                    }
                    else
                    {
                        destination[spatial] = source[packedIndex];
                    }
                }
            }
        }
    }
}
