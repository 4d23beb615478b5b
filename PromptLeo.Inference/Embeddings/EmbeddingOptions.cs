using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Inference.Embeddings;

/// <summary>The <c>Inference:Embeddings</c> section.</summary>
public sealed class EmbeddingOptions
{
    public const string SectionName = "Inference:Embeddings";

    /// <summary>Most tokens of one input (capped by the model's trained context); a GGUF model's context holds this many cells.</summary>
    [Range(16, 131072)]
    public int MaxInputTokens { get; set; } = 8192;
}
