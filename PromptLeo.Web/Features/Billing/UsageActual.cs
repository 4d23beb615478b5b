namespace PromptLeo.Web.Features.Billing;

/// <summary>What was actually produced; a cancelled or failed request reports only what it produced.</summary>
public sealed record UsageActual(int InputTokens = 0, int OutputTokens = 0, int ImageCount = 0, int Width = 0, int Height = 0, int Steps = 0)
{
    /// <summary>No tokens, images or steps: the request was refused before inference, and nothing is charged.</summary>
    public bool IsEmpty => InputTokens == 0 && OutputTokens == 0 && ImageCount == 0 && Steps == 0;
}
