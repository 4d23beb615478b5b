using PromptLeo.Inference.Diffusion;
using PromptLeo.Tests.Fixtures;
using SkiaSharp;

namespace PromptLeo.Tests.Inference.Diffusion;

public sealed class ImageCodecTests
{
    [Fact]
    public void EncodePng_FastSettings_DecodesToTheQuantizedPixelsExactly()
    {
        const int width = 96, height = 64;
        var planar = new float[3 * width * height];
        new GaussianNoise(11).Fill(planar); // mostly in [-1,1], some values outside to exercise the clamp
        var png = ImageCodec.EncodePng(planar, width, height, new Dictionary<string, string> { ["parameters"] = "steps: 2" });

        var expected = new byte[width * height * 4];
        for (var i = 0; i < width * height; i++)
        {
            for (var c = 0; c < 3; c++)
                expected[i * 4 + c] = (byte)Math.Clamp((planar[c * width * height + i] + 1f) * 127.5f + 0.5f, 0f, 255f);
            expected[i * 4 + 3] = 255;
        }

        Assert.Equal(expected, DecodeUnpremul(png));
    }

    [Fact]
    public void Encode_RgbaWithPartialAlpha_RoundTripsEveryByte()
    {
        var info = new SKImageInfo(33, 17, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var pixels = bitmap.GetPixelSpan();
        var random = new Random(3);
        random.NextBytes(pixels);
        var original = pixels.ToArray();

        var png = ImageCodec.Encode(bitmap);

        Assert.Equal(original, DecodeUnpremul(png));
    }

    [Fact]
    public void Encode_WithoutProvenance_StillMarksAsGeneratedWithoutModel()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(8, 8, SKColorType.Rgba8888, SKAlphaType.Unpremul));

        TestImages.AssertAiMarking(ImageCodec.Encode(bitmap), "trainedAlgorithmicMedia", null);
    }

    [Fact]
    public void EncodePng_ModelIdWithXmlCharacters_IsEscapedAndReadBack()
    {
        var png = ImageCodec.EncodePng(new float[3 * 8 * 8], 8, 8, provenance: new ImageProvenance(DigitalSourceType.CompositeWithTrainedAlgorithmicMedia, "a\"<b>&c"));

        TestImages.AssertAiMarking(png, "compositeWithTrainedAlgorithmicMedia", "a\"<b>&c");
    }

    private static byte[] DecodeUnpremul(byte[] png)
    {
        using var data = SKData.CreateCopy(png);
        using var codec = SKCodec.Create(data) ?? throw new InvalidDataException("Not a PNG.");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var pixels = new byte[info.BytesSize];
        Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, pixels));
        return pixels;
    }
}
