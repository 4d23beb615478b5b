using System.Numerics.Tensors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Embeddings;

/// <summary>
/// Embeds texts with an installed embedding model: checks every input and <c>dimensions</c> before the first one runs,
/// then pools, truncates (Matryoshka) and L2-normalizes each vector.
/// </summary>
internal sealed class EmbeddingEngine(IModelRegistry registry) : IEmbeddingEngine
{
    public async Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, Action<int>? tokensSoFar = null, CancellationToken cancellationToken = default)
    {
        if (registry.Get(request.ModelId) is not { Manifest.Kind: ModelKind.Embedding })
            throw new ModelNotFoundException(request.ModelId);
        using var lease = await registry.AcquireAsync(request.ModelId, cancellationToken);
        var model = lease.Model as IEmbeddingModel
                    ?? throw new ModelLoadException($"Model '{request.ModelId}' did not load as an embedding model.");
        var dimensions = Dimensions(model.Info, request.Dimensions, model.Manifest);
        // Every input is checked first, so a bad one late in a batch costs no inference.
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            if (request.Inputs[i].Length == 0)
                throw new EmbeddingRequestException("input", $"Input {i} is empty.");
            if (model.CountTokens(request.Inputs[i]) is var tokens && tokens > model.Info.MaxInputTokens)
                throw new EmbeddingRequestException("input", $"Input {i} has {tokens} tokens; this model reads at most {model.Info.MaxInputTokens}.");
        }

        var vectors = new List<float[]>(request.Inputs.Count);
        var total = 0;
        foreach (var input in request.Inputs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (vector, tokens) = await model.EmbedAsync(input, cancellationToken);
            vectors.Add(Finish(vector, dimensions));
            total += tokens;
            tokensSoFar?.Invoke(total);
        }
        return new EmbeddingResult(vectors, total);
    }

    private static int Dimensions(EmbeddingModelInfo info, int? requested, ModelManifest manifest)
    {
        if (requested is not { } wanted || wanted == info.Dimensions)
            return info.Dimensions;
        if (!info.Matryoshka)
            throw new EmbeddingRequestException("dimensions", $"The model '{manifest.Id}' only makes {info.Dimensions}-dimensional vectors; it is not Matryoshka-trained, so 'dimensions' cannot shorten them.");
        var min = manifest.Settings.TryGetValue(EmbeddingSettings.MinDimensions, out var raw) && int.TryParse(raw, out var m) ? Math.Max(1, m) : 1;
        if (wanted < min || wanted > info.Dimensions)
            throw new EmbeddingRequestException("dimensions", $"'dimensions' must be between {min} and {info.Dimensions} for the model '{manifest.Id}'.");
        return wanted;
    }

    /// <summary>The first <paramref name="dimensions"/> values at unit length (a zero vector stays zero).</summary>
    internal static float[] Finish(ReadOnlySpan<float> pooled, int dimensions)
    {
        var vector = pooled[..dimensions].ToArray();
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0 && float.IsFinite(norm))
            TensorPrimitives.Divide(vector, norm, vector);
        return vector;
    }
}

internal static class EmbeddingServiceCollectionExtensions
{
    /// <summary>Adds the embedding loader and <see cref="IEmbeddingEngine"/>; binds <see cref="EmbeddingOptions"/>.</summary>
    internal static IServiceCollection AddEmbeddingEngine(this IServiceCollection services)
    {
        services.AddOptions<EmbeddingOptions>().BindConfiguration(EmbeddingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IModelLoader, EmbeddingModelLoader>();
        services.TryAddSingleton<IEmbeddingEngine, EmbeddingEngine>();
        return services;
    }
}
