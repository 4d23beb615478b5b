namespace PromptLeo.Inference.Diffusion;

/// <summary>An image request was rejected before inference; <see cref="Field"/> names the offending request field.</summary>
public sealed class ImageRequestException(string field, string message)
    : Exception($"{field}: {message}")
{
    /// <summary>The <see cref="ImageRequest"/> property (or argument) that is invalid, for example <c>Width</c>.</summary>
    public string Field { get; } = field;
}
