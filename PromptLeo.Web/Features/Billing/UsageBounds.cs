namespace PromptLeo.Web.Features.Billing;

public static class UsageBounds
{
    /// <summary>An upper bound on prompt tokens: byte-fallback tokenizers never need more than one token per UTF-8 byte, plus template tokens.</summary>
    public static int MaxPromptTokens(IEnumerable<string> contents) =>
        32 + contents.Sum(c => System.Text.Encoding.UTF8.GetByteCount(c) + 32);
}
