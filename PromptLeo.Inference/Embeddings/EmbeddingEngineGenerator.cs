using System.Runtime.InteropServices;
using AI = Microsoft.Extensions.AI;

namespace PromptLeo.Inference.Embeddings;

/// <summary>
/// The in-process <see cref="IEmbeddingEngine"/> as <c>Microsoft.Extensions.AI</c>'s embedding generator: one unit-length
/// vector per input, in order, each stamped with the model id; <see cref="AI.GeneratedEmbeddings{T}.Usage"/> holds the
/// tokens the model read (input = total). The model is <see cref="AI.EmbeddingGenerationOptions.ModelId"/> (else the
/// metadata's default), <see cref="AI.EmbeddingGenerationOptions.Dimensions"/> shortens the vectors of a Matryoshka model,
/// and an <c>Action&lt;int&gt;</c> under <see cref="TokensSoFarKey"/> in the options' additional properties hears the
/// running token total after each input (a meter charges what was read when a later input is cancelled).
/// </summary>
public sealed class EmbeddingEngineGenerator(IEmbeddingEngine engine, AI.EmbeddingGeneratorMetadata metadata) : AI.IEmbeddingGenerator<string, AI.Embedding<float>>
{
    public const string TokensSoFarKey = "promptleo.tokens_so_far";

    public AI.EmbeddingGeneratorMetadata Metadata { get; } = metadata;

    public async Task<AI.GeneratedEmbeddings<AI.Embedding<float>>> GenerateAsync(IEnumerable<string> values, AI.EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var modelId = options?.ModelId ?? Metadata.DefaultModelId
            ?? throw new ArgumentException("EmbeddingGenerationOptions.ModelId names the model to use.", nameof(options));
        var progress = options?.AdditionalProperties?.TryGetValue(TokensSoFarKey, out var value) == true ? value as Action<int> : null;
        var result = await engine.EmbedAsync(new EmbeddingRequest(modelId, [.. values], options?.Dimensions), progress, cancellationToken);
        var created = DateTimeOffset.UtcNow;
        return new AI.GeneratedEmbeddings<AI.Embedding<float>>(result.Vectors.Select(v => new AI.Embedding<float>(v) { ModelId = modelId, CreatedAt = created }))
        {
            Usage = new AI.UsageDetails { InputTokenCount = result.PromptTokens, TotalTokenCount = result.PromptTokens },
        };
    }

    /// <summary>The vector as an array without copying where the embedding wraps one (this generator's always do).</summary>
    public static float[] ToArray(AI.Embedding<float> embedding) =>
        MemoryMarshal.TryGetArray(embedding.Vector, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : embedding.Vector.ToArray();

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(AI.EmbeddingGeneratorMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType.IsInstanceOfType(engine) ? engine
        : null;

    public void Dispose()
    {
        // The engine belongs to the container.
    }
}
