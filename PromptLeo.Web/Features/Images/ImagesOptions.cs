using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Images;

/// <summary>The <c>Images</c> section: limits of the image studio (the engine has its own in <c>Inference:Diffusion</c>).</summary>
public sealed class ImagesOptions
{
    public const string SectionName = "Images";

    /// <summary>Largest accepted upload (img2img input, background removal) in bytes.</summary>
    [Range(1, 100 * 1024 * 1024)]
    public int MaxUploadBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Largest accepted decoded upload in pixels per side; guards against decompression bombs.</summary>
    [Range(8, 16384)]
    public int MaxUploadPixelsPerSide { get; set; } = 4096;

    /// <summary>Longest accepted prompt or negative prompt in characters.</summary>
    [Range(1, 100_000)]
    public int MaxPromptLength { get; set; } = 2000;

    /// <summary>Gallery page size.</summary>
    [Range(1, 200)]
    public int PageSize { get; set; } = 12;

    /// <summary>Generations that may run or wait in the studio at once across all users; more are refused as busy.</summary>
    [Range(1, 1000)]
    public int MaxPendingGenerations { get; set; } = 8;

    /// <summary>Decode a preview every N steps during generation (0 = none).</summary>
    [Range(0, 1000)]
    public int PreviewEvery { get; set; } = 2;
}
