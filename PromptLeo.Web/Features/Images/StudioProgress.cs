namespace PromptLeo.Web.Features.Images;

/// <summary>Progress of a batch: image <see cref="Image"/> (1-based) of <see cref="ImageCount"/>, step of that image.</summary>
public sealed record StudioProgress(int Image, int ImageCount, int Step, int TotalSteps, byte[]? PreviewPng)
{
    /// <summary>Studio jobs ahead of this one while it waits for the engine (step 0); 0 once it runs.</summary>
    public int JobsAhead { get; init; }

    /// <summary>Overall progress in percent over the whole batch.</summary>
    public double Percent => TotalSteps == 0 || ImageCount == 0 ? 0 : 100.0 * ((Image - 1) * TotalSteps + Step) / (ImageCount * TotalSteps);
}
