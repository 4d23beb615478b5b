using Microsoft.Extensions.AI;
using PromptLeo.Inference.Embeddings;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Web.Features.Metering;

/// <summary>
/// Embeddings as one metered request: the API endpoint and in-process callers (a document indexer) use this, so every
/// embedded token has a processing record, a budget reservation and a usage event. No text or vector is stored. The
/// engine is called through its <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> (<see cref="EmbeddingEngineGenerator"/>);
/// embedding models run on this node only (remote endpoints serve chat and image models).
/// </summary>
public sealed class MeteredEmbeddings(IEmbeddingEngine engine, MeteredInference metered)
{
    private readonly EmbeddingEngineGenerator local = new(engine, new EmbeddingGeneratorMetadata("promptleo-embeddings"));

    /// <summary>
    /// Embeds <paramref name="inputs"/> for <paramref name="principal"/>. The budget reserves one token per UTF-8 byte (the
    /// most a byte-fallback tokenizer reads); what is charged is the tokens the model read, also when cancelled midway.
    /// </summary>
    public async Task<EmbeddingResult> EmbedAsync(InferencePrincipal principal, string modelId, IReadOnlyList<string> inputs, int? dimensions,
        string? requestId, CancellationToken cancellationToken)
    {
        var generated = await GenerateAsync(principal, modelId, inputs, dimensions, requestId, cancellationToken);
        return new EmbeddingResult([.. generated.Select(EmbeddingEngineGenerator.ToArray)], (int)(generated.Usage?.InputTokenCount ?? 0));
    }

    /// <summary>As <see cref="EmbedAsync"/>, as <c>Microsoft.Extensions.AI</c> embeddings with their usage.</summary>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(InferencePrincipal principal, string modelId, IReadOnlyList<string> inputs, int? dimensions,
        string? requestId, CancellationToken cancellationToken)
    {
        var request = new MeteredRequest(principal, ProcessingPurpose.Embedding, modelId, new UsageActual(InputTokens: UsageBounds.MaxPromptTokens(inputs)));
        if (requestId is not null)
        {
            request = request with { RequestId = requestId };
        }
        return metered.RunAsync(request, async call =>
        {
            // The engine runs under the installed id the meter resolved (the registry ignores case, prices do not).
            var options = new EmbeddingGenerationOptions
            {
                ModelId = call.Request.ModelId,
                Dimensions = dimensions,
                AdditionalProperties = new() { [EmbeddingEngineGenerator.TokensSoFarKey] = (Action<int>)(tokens => call.Report(new UsageActual(InputTokens: tokens))) },
            };
            var result = await local.GenerateAsync(inputs, options, cancellationToken);
            call.Report(new UsageActual(InputTokens: (int)(result.Usage?.InputTokenCount ?? 0)));
            return result;
        }, cancellationToken);
    }
}

/// <summary>
/// Embeddings for in-process callers as an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> billed to one principal
/// through <see cref="MeteredEmbeddings"/>; <see cref="EmbeddingGenerationOptions.ModelId"/> names the model.
/// </summary>
public sealed class MeteredEmbeddingGenerator(MeteredEmbeddings embeddings, InferencePrincipal principal) : IEmbeddingGenerator<string, Embedding<float>>
{
    public InferencePrincipal Principal { get; } = principal;

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (options?.ModelId is not { } modelId)
        {
            throw new ArgumentException("EmbeddingGenerationOptions.ModelId names the model to use.", nameof(options));
        }
        return embeddings.GenerateAsync(Principal, modelId, [.. values], options.Dimensions, null, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
        // Nothing held between requests.
    }
}
