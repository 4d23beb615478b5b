using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using PromptLeo.Inference.Llm;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Records;
using ChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace PromptLeo.Web.Features.Metering;

/// <summary>
/// Chat for in-process callers (a knowledge indexer, a summarizer) as an <see cref="IChatClient"/> that goes through the
/// whole metered path for one principal: access guard, budget reservation, the processing record before the model runs,
/// routing to this node or a remote endpoint, settlement of what was produced (also when the caller stops early or
/// cancels) and the usage event. <see cref="ChatOptions.ModelId"/> names the model. Nothing of the conversation is stored
/// and no prompt cache is kept. An engine failure mid-answer is thrown as <see cref="InvalidOperationException"/> after
/// the record is finished as failed.
/// </summary>
public sealed class MeteredChatClient(MeteredInference metered, InferencePrincipal principal) : IChatClient
{
    public InferencePrincipal Principal { get; } = principal;

    /// <summary>What the budget reserves for <paramref name="request"/>: every text the prompt is made of, and the max tokens.</summary>
    public static UsageActual UpperBound(ChatRequest request) =>
        new(InputTokens: UsageBounds.MaxPromptTokens(PromptTexts(request)), OutputTokens: request.Sampling.MaxTokens);

    // Tool definitions are written pretty-printed (indent, separators) plus the family's instructions.
    private static IEnumerable<string> PromptTexts(ChatRequest request) =>
        request.Messages.SelectMany(m => m.ToolCalls.SelectMany(c => new[] { c.Id, c.Name, c.Arguments, c.Arguments }).Append(m.Content).Append(m.ToolCallId ?? ""))
            .Concat(request.Tools.SelectMany(t => new[] { t.Name, t.Description ?? "", t.Parameters?.GetRawText() ?? "", t.Parameters?.GetRawText() ?? "", new string(' ', 2048) }))
            .Append(request.Tools.Count > 0 ? new string(' ', 1024) : "");

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = (options?.RawRepresentationFactory?.Invoke(this) as ChatRequest ?? ChatEngineRequests.ToChatRequest(messages, options))
            with { FairnessKey = Principal.UserId, CacheScope = null };
        var call = await metered.BeginAsync(new MeteredRequest(Principal, ProcessingPurpose.Chat, request.ModelId, UpperBound(request)), cancellationToken);
        // The engine runs under the installed id the meter resolved (the registry ignores case, prices do not).
        request = request with { ModelId = call.Request.ModelId };
        var usage = new ChatUsageTotals();
        int promptTokens = 0, completionTokens = 0;
        Exception? failure = null;
        var ended = false;
        IAsyncEnumerator<ChatResponseUpdate>? updates = null;
        try
        {
            updates = call.Target.Chat.GetStreamingResponseAsync(ChatEngineRequests.ToMessages(request), ChatEngineRequests.ToOptions(request), cancellationToken)
                .GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync())
                    {
                        ended = true;
                        break;
                    }
                }
                catch (Exception ex)
                {
                    failure = ex;
                    throw;
                }
                var update = updates.Current;
                usage.Add(update);
                promptTokens = Math.Max(promptTokens, usage.PromptTokens);
                completionTokens = Math.Max(completionTokens, usage.CompletionTokens);
                call.Report(new UsageActual(InputTokens: promptTokens, OutputTokens: completionTokens));
                if (update.FinishReason == ChatEngineUpdates.Error)
                {
                    failure = new InvalidOperationException("The model failed while generating: " + update.EngineError());
                    throw failure;
                }
                if (update.FinishReason == ChatEngineUpdates.Cancelled)
                {
                    call.Outcome = InferenceOutcome.Cancelled;
                }
                yield return update;
            }
        }
        finally
        {
            if (updates is not null)
            {
                await updates.DisposeAsync();
            }
            if (!ended && failure is null)
            {
                // The caller stopped reading: what was produced is charged, as for a cancel.
                call.Outcome = InferenceOutcome.Cancelled;
            }
            await call.FinishAsync(failure);
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
        // Nothing held between requests.
    }
}

/// <summary>Hands out the metered <see cref="IChatClient"/> and embedding generator of a principal.</summary>
public sealed class MeteredClients(MeteredInference metered, MeteredEmbeddings embeddings)
{
    /// <summary>Chat billed to <paramref name="principal"/> (the user's active organization, or the API key's).</summary>
    public IChatClient ChatClient(InferencePrincipal principal) => new MeteredChatClient(metered, principal);

    /// <summary>Embeddings billed to <paramref name="principal"/>.</summary>
    public IEmbeddingGenerator<string, Embedding<float>> EmbeddingGenerator(InferencePrincipal principal) => new MeteredEmbeddingGenerator(embeddings, principal);
}
