namespace PromptLeo.Inference.Diffusion;

/// <summary>Noise schedulers a request can pick.</summary>
public enum SchedulerKind
{
    Euler,
    EulerAncestral,
    Ddim,
    Lms,
    Lcm,
}

/// <summary>A text-to-image, image-to-image or inpainting request.</summary>
public sealed record ImageRequest
{
    public required string ModelId { get; init; }
    public required string Prompt { get; init; }
    public string NegativePrompt { get; init; } = "";
    public int Width { get; init; } = 512;
    public int Height { get; init; } = 512;
    public int Steps { get; init; } = 20;
    public float GuidanceScale { get; init; } = 7.5f;
    /// <summary>Null picks a random seed; the used seed is returned with each image.</summary>
    public long? Seed { get; init; }
    public int BatchSize { get; init; } = 1;
    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Euler;
    /// <summary>Encoded input image (PNG/JPEG/WebP) for img2img or inpainting.</summary>
    public byte[]? InitImage { get; init; }
    /// <summary>img2img strength in (0,1]: how much of the input is replaced.</summary>
    public float Strength { get; init; } = 0.75f;
    /// <summary>Encoded mask image for inpainting: white = repaint.</summary>
    public byte[]? Mask { get; init; }
    /// <summary>Write generation parameters into the PNG text chunk. Off by default for privacy.</summary>
    public bool EmbedParameters { get; init; }
    /// <summary>Decode a small preview every N steps (0 = no previews).</summary>
    public int PreviewEvery { get; init; }
}

/// <summary>Progress after each denoising step.</summary>
public sealed record ImageProgress(int Step, int TotalSteps, byte[]? PreviewPng = null);

/// <summary>One generated image as PNG bytes.</summary>
public sealed record GeneratedImage(byte[] Png, int Width, int Height, long Seed);

/// <summary>The result of a generation: images plus warnings such as prompt truncation.</summary>
public sealed record ImageResult(IReadOnlyList<GeneratedImage> Images, IReadOnlyList<string> Warnings, int StepsRun);

/// <summary>Generates images with in-process ONNX diffusion models.</summary>
public interface IImageGenerator
{
    /// <summary>Runs the pipeline, reporting each step; the token is checked every step.</summary>
    Task<ImageResult> GenerateAsync(ImageRequest request, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Cuts the subject out of an image and returns a PNG with an alpha channel.</summary>
    Task<byte[]> RemoveBackgroundAsync(string modelId, byte[] image, CancellationToken cancellationToken = default);
}
