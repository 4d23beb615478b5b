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

    /// <summary>The tEXt and iTXt chunks of a PNG as (type, keyword, text), parsed here rather than by the code under test.</summary>
    public static List<(string Type, string Keyword, string Text)> TextChunks(byte[] png)
    {
        var chunks = new List<(string, string, string)>();
        var offset = 8;
        while (offset + 8 <= png.Length)
        {
            var length = (png[offset] << 24) | (png[offset + 1] << 16) | (png[offset + 2] << 8) | png[offset + 3];
            var type = System.Text.Encoding.ASCII.GetString(png, offset + 4, 4);
            var data = png.AsSpan(offset + 8, length);
            var nul = data.IndexOf((byte)0);
            if (type == "tEXt")
            {
                chunks.Add((type, System.Text.Encoding.Latin1.GetString(data[..nul]), System.Text.Encoding.Latin1.GetString(data[(nul + 1)..])));
            }
            else if (type == "iTXt")
            {
                Assert.Equal(0, data[nul + 1]); // uncompressed, so the text is readable as is
                var rest = data[(nul + 3)..];
                var afterLanguage = rest.IndexOf((byte)0) + 1;
                var afterTranslated = afterLanguage + rest[afterLanguage..].IndexOf((byte)0) + 1;
                chunks.Add((type, System.Text.Encoding.Latin1.GetString(data[..nul]), System.Text.Encoding.UTF8.GetString(rest[afterTranslated..])));
            }
            offset += 12 + length;
        }

        return chunks;
    }

    /// <summary>
    /// Asserts the EU AI Act Art. 50(2) marking: exactly one XMP iTXt chunk before the image data, with the IPTC digital
    /// source type, PromptLeo as creator tool and the model id; and none of <paramref name="absent"/> anywhere in the file.
    /// </summary>
    public static void AssertAiMarking(byte[] png, string sourceType, string? modelId, params string[] absent)
    {
        var xmp = Assert.Single(TextChunks(png), c => c.Keyword == "XML:com.adobe.xmp");
        Assert.Equal("iTXt", xmp.Type);
        var types = ChunkTypes(png);
        Assert.True(types.IndexOf("iTXt") < types.IndexOf("IDAT"), "the XMP packet must come before the image data");
        var description = System.Xml.Linq.XDocument.Parse(xmp.Text).Descendants(System.Xml.Linq.XName.Get("Description", "http://www.w3.org/1999/02/22-rdf-syntax-ns#")).Single();
        System.Xml.Linq.XNamespace iptc = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/", xmpNs = "http://ns.adobe.com/xap/1.0/";
        Assert.Equal("http://cv.iptc.org/newscodes/digitalsourcetype/" + sourceType, (string?)description.Attribute(iptc + "DigitalSourceType"));
        Assert.Equal("PromptLeo", (string?)description.Attribute(xmpNs + "CreatorTool"));
        Assert.Equal(modelId, (string?)description.Attribute(iptc + "AISystemUsed"));
        var utf8 = System.Text.Encoding.UTF8.GetString(png);
        var latin1 = System.Text.Encoding.Latin1.GetString(png);
        foreach (var text in absent)
        {
            Assert.DoesNotContain(text, utf8, StringComparison.Ordinal);
            Assert.DoesNotContain(text, latin1, StringComparison.Ordinal);
        }
    }

    private static byte[] Encode(SKBitmap bitmap)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
