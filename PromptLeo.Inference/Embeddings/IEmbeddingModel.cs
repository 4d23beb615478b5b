using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Embeddings;

/// <summary>A loaded embedding model of any format (GGUF through llama.cpp, BERT-style ONNX).</summary>
internal interface IEmbeddingModel : ILoadedModel
{
    EmbeddingModelInfo Info { get; }

    /// <summary>Tokens the model reads for <paramref name="text"/>, counted the way it embeds.</summary>
    int CountTokens(string text);

    /// <summary>The pooled vector of <paramref name="text"/> (not yet normalized) and the tokens read.</summary>
    Task<(float[] Vector, int Tokens)> EmbedAsync(string text, CancellationToken cancellationToken);
}
