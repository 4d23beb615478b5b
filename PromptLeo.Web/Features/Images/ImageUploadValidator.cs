using Microsoft.Extensions.Options;
using SkiaSharp;

namespace PromptLeo.Web.Features.Images;

/// <summary>Why the studio refused a request before any inference ran; the page shows a localized message per problem.</summary>
public enum StudioProblem
{
    PromptTooLong,
    UploadTooLarge,
    NotAnImage,
}

public sealed class ImageStudioException(StudioProblem problem, string message) : Exception(message)
{
    public StudioProblem Problem { get; } = problem;
}

/// <summary>An upload that decoded as an image.</summary>
public sealed record ValidatedUpload(byte[] Bytes, int Width, int Height);

/// <summary>Accepts an upload only when it is within the size limit and really decodes as an image (SkiaSharp).</summary>
public sealed class ImageUploadValidator(IOptions<ImagesOptions> options)
{
    /// <exception cref="ImageStudioException">Too large, or not a decodable PNG, JPEG or WebP image.</exception>
    public ValidatedUpload Validate(byte[] bytes)
    {
        var limits = options.Value;
        if (bytes.Length > limits.MaxUploadBytes)
        {
            throw new ImageStudioException(StudioProblem.UploadTooLarge, $"The upload is {bytes.Length} bytes; at most {limits.MaxUploadBytes} are accepted.");
        }
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data)
            ?? throw new ImageStudioException(StudioProblem.NotAnImage, "The upload is not a PNG, JPEG or WebP image.");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        // Read the header before decoding, so a small file that claims huge dimensions is never expanded.
        if (width <= 0 || height <= 0 || width > limits.MaxUploadPixelsPerSide || height > limits.MaxUploadPixelsPerSide)
        {
            throw new ImageStudioException(StudioProblem.UploadTooLarge, $"The upload is {width}x{height} pixels; at most {limits.MaxUploadPixelsPerSide} per side are accepted.");
        }
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result is not SKCodecResult.Success)
        {
            throw new ImageStudioException(StudioProblem.NotAnImage, $"The upload could not be decoded ({result}).");
        }
        return new ValidatedUpload(bytes, width, height);
    }
}
