using PromptLeo.Inference.Embeddings;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Web.Features.Metering;

/// <summary>
/// Embeddings as one metered request: the API endpoint and in-process callers (a document indexer) use this, so every
/// embedded token has a processing record, a budget reservation and a usage event. No text or vector is stored.
/// </summary>
public sealed class MeteredEmbeddings(IEmbeddingEngine engine, MeteredInference metered)
{
    /// <summary>
    /// Embeds <paramref name="inputs"/> for <paramref name="principal"/>. The budget reserves one token per UTF-8 byte (the
    /// most a byte-fallback tokenizer reads); what is charged is the tokens the model read, also when cancelled midway.
    /// </summary>
    public Task<EmbeddingResult> EmbedAsync(InferencePrincipal principal, string modelId, IReadOnlyList<string> inputs, int? dimensions,
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
            var result = await engine.EmbedAsync(new EmbeddingRequest(call.Request.ModelId, inputs, dimensions),
                tokens => call.Report(new UsageActual(InputTokens: tokens)), cancellationToken);
            call.Report(new UsageActual(InputTokens: result.PromptTokens));
            return result;
        }, cancellationToken);
    }
}
