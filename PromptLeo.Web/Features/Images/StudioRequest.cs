using PromptLeo.Inference.Diffusion;

namespace PromptLeo.Web.Features.Images;

/// <summary>What the studio form asks for. <see cref="BatchCount"/> images are generated one after another (seed + i).</summary>
public sealed record StudioRequest
{
    public required string ModelId { get; init; }
    public required string Prompt { get; init; }
    public string NegativePrompt { get; init; } = "";
    public int Width { get; init; } = 256;
    public int Height { get; init; } = 256;
    public int Steps { get; init; } = 20;
    public float Guidance { get; init; } = 7.5f;
    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Euler;
    /// <summary>Null picks a random seed.</summary>
    public long? Seed { get; init; }
    public int BatchCount { get; init; } = 1;
    /// <summary>Encoded input image for img2img (or inpainting with <see cref="Mask"/>).</summary>
    public byte[]? InitImage { get; init; }
    public float Strength { get; init; } = 0.75f;
    public byte[]? Mask { get; init; }
}
