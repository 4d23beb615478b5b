namespace PromptLeo.Inference.Embeddings;

/// <summary>Texts to embed with one <see cref="Models.ModelKind.Embedding"/> model.</summary>
/// <param name="ModelId">Registry id of the model.</param>
/// <param name="Inputs">The texts, each embedded on its own (one vector per text, in order).</param>
/// <param name="Dimensions">Shorter vectors for a Matryoshka-trained model (truncated and renormalized); null keeps the model's size.</param>
public sealed record EmbeddingRequest(string ModelId, IReadOnlyList<string> Inputs, int? Dimensions = null);

/// <summary>One unit-length vector per input, in input order, and the tokens the model read for all of them.</summary>
public sealed record EmbeddingResult(IReadOnlyList<float[]> Vectors, int PromptTokens);

/// <summary>What callers need to know about an embedding model before they send it text.</summary>
/// <param name="Dimensions">Length of the model's vectors.</param>
/// <param name="MaxInputTokens">Most tokens one input may have.</param>
/// <param name="Matryoshka">The model was trained so that a prefix of its vector is itself an embedding (<c>dimensions</c> allowed).</param>
public sealed record EmbeddingModelInfo(int Dimensions, int MaxInputTokens, bool Matryoshka);

/// <summary>
/// Turns texts into vectors in-process. The API endpoint and any in-process indexer call it inside a metered request, so
/// that every embedded token is recorded and charged.
/// </summary>
public interface IEmbeddingEngine
{
    /// <summary>
    /// Embeds every input. Throws <see cref="EmbeddingRequestException"/> for input the model cannot take (too long,
    /// unsupported <c>dimensions</c>), <see cref="Models.ModelNotFoundException"/> for an id that is not an installed
    /// embedding model, and <see cref="Models.ModelLoadException"/> when the model cannot be loaded.
    /// <paramref name="tokensSoFar"/> hears the running token total after each input, so a meter can charge what was
    /// read when a later input is cancelled.
    /// </summary>
    Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, Action<int>? tokensSoFar = null, CancellationToken cancellationToken = default);
}

/// <summary>The request cannot be served as given; <see cref="Field"/> names the request field at fault.</summary>
public sealed class EmbeddingRequestException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>Keys of <see cref="Models.ModelManifest.Settings"/> read for embedding models.</summary>
public static class EmbeddingSettings
{
    /// <summary><c>true</c> when the model is Matryoshka-trained, so a request may ask for fewer dimensions.</summary>
    public const string Matryoshka = "matryoshka";
    /// <summary>Smallest <c>dimensions</c> a Matryoshka model is trained for (default 1).</summary>
    public const string MinDimensions = "minDimensions";
    /// <summary>
    /// Pooling when the GGUF file does not declare one (<c>mean</c>, <c>cls</c> or <c>last</c>); the file's own
    /// <c>&lt;arch&gt;.pooling_type</c> wins. ONNX models: how token vectors are pooled (default <c>mean</c>).
    /// </summary>
    public const string Pooling = "pooling";
}
