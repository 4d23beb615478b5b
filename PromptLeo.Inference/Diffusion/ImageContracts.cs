namespace PromptLeo.Inference.Diffusion;

/// <summary>Noise schedulers a request can pick.</summary>
public enum SchedulerKind
{
    Euler,
    EulerAncestral,
    Ddim,
    Lms,
    Lcm,
    /// <summary>Flow-matching Euler (FLUX); the only scheduler of flow-matching families.</summary>
    FlowMatchEuler,
}

/// <summary>The model families the diffusion layer runs; each has its own pipeline over the same registry.</summary>
public enum ImageModelFamily
{
    /// <summary>Stable Diffusion 1.x / 2.x and their Turbo/LCM distillations (one CLIP text encoder, UNet).</summary>
    StableDiffusion,
    /// <summary>SDXL and SDXL-Turbo (two CLIP text encoders, UNet with added text/time conditioning).</summary>
    StableDiffusionXL,
    /// <summary>FLUX.1 (CLIP-L pooled + T5 hidden states, flow-matching transformer, 16-channel VAE).</summary>
    Flux,
}

/// <summary>
/// What an image model can do and what it defaults to. The studio shows only what the family supports and the API
/// fills omitted fields from it; the generator refuses a request that asks for more.
/// </summary>
/// <param name="Family">The pipeline family.</param>
/// <param name="ImageToImage">Can start from an image (it has a VAE encoder and the family supports it).</param>
/// <param name="Inpainting">Can repaint a masked region.</param>
/// <param name="NegativePrompt">Uses a negative prompt (only with classifier-free guidance).</param>
/// <param name="Guidance">Uses the guidance scale (classifier-free, or FLUX.1-dev's distilled guidance).</param>
/// <param name="DefaultWidth">Default width in pixels.</param>
/// <param name="DefaultHeight">Default height in pixels.</param>
/// <param name="DefaultSteps">Default number of steps.</param>
/// <param name="MaxSteps">Largest useful number of steps (for example 4 for the Turbo and schnell distillations), or null.</param>
/// <param name="DefaultGuidance">Default guidance scale (0 or 1 means off for classifier-free guidance).</param>
/// <param name="Schedulers">Schedulers a request may pick; the first is the default.</param>
/// <param name="Precision">Element type of the denoiser's weights and inputs, for example "float16".</param>
public sealed record ImageModelCapabilities(
    ImageModelFamily Family,
    bool ImageToImage,
    bool Inpainting,
    bool NegativePrompt,
    bool Guidance,
    int DefaultWidth,
    int DefaultHeight,
    int DefaultSteps,
    int? MaxSteps,
    float DefaultGuidance,
    IReadOnlyList<SchedulerKind> Schedulers,
    string Precision)
{
    /// <summary>The scheduler used when a request names none.</summary>
    public SchedulerKind DefaultScheduler => Schedulers[0];
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

    /// <summary>What the model can do and its defaults (loads the model if needed).</summary>
    Task<ImageModelCapabilities> DescribeAsync(string modelId, CancellationToken cancellationToken = default);

    /// <summary>Cuts the subject out of an image and returns a PNG with an alpha channel.</summary>
    Task<byte[]> RemoveBackgroundAsync(string modelId, byte[] image, CancellationToken cancellationToken = default);
}
