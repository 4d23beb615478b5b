using SkiaSharp;

namespace PromptLeo.Tests.Fixtures;

/// <summary>Small encoded images for upload tests, and PNG inspection helpers.</summary>
internal static class TestImages
{
    /// <summary>A colour gradient PNG.</summary>
    public static byte[] Gradient(int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 255 / Math.Max(1, width - 1)), (byte)(y * 255 / Math.Max(1, height - 1)), 128));
            }
        }

        return Encode(bitmap);
    }

    /// <summary>Black image with a white rectangle (white = repaint) over the right half.</summary>
    public static byte[] RightHalfMask(int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, x >= width / 2 ? SKColors.White : SKColors.Black);
            }
        }

        return Encode(bitmap);
    }

    /// <summary>Mean absolute difference of the RGB channels of two equally sized images, in 0–255 levels.</summary>
    public static double MeanAbsoluteDifference(byte[] a, byte[] b)
    {
        using var first = Decode(a);
        using var second = Decode(b);
        double sum = 0;
        for (var y = 0; y < first.Height; y++)
        {
            for (var x = 0; x < first.Width; x++)
            {
                var p = first.GetPixel(x, y);
                var q = second.GetPixel(x, y);
                sum += Math.Abs(p.Red - q.Red) + Math.Abs(p.Green - q.Green) + Math.Abs(p.Blue - q.Blue);
            }
        }

        return sum / (3.0 * first.Width * first.Height);
    }

    public static SKBitmap Decode(byte[] png) => SKBitmap.Decode(png) ?? throw new InvalidDataException("Not an image.");

    /// <summary>RGBA bytes of a PNG.</summary>
    public static byte[] Pixels(byte[] png)
    {
        using var bitmap = Decode(png);
        using var rgba = bitmap.Copy(SKColorType.Rgba8888);
        return rgba.GetPixelSpan().ToArray();
    }

    /// <summary>Names of the PNG chunks, in order.</summary>
    public static List<string> ChunkTypes(byte[] png)
    {
        var types = new List<string>();
        var offset = 8;
        while (offset + 8 <= png.Length)
        {
            var length = (png[offset] << 24) | (png[offset + 1] << 16) | (png[offset + 2] << 8) | png[offset + 3];
            types.Add(System.Text.Encoding.ASCII.GetString(png, offset + 4, 4));
            offset += 12 + length;
        }

        return types;
    }

    private static byte[] Encode(SKBitmap bitmap)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
