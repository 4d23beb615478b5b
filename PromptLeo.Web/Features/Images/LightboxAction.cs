namespace PromptLeo.Web.Features.Images;

/// <summary>What the person chose in the lightbox.</summary>
public enum LightboxAction
{
    Reuse,
    UseAsInput,
    Delete,
}
