using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Llm.Tools;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Llm;

/// <summary>
/// <see cref="IChatEngine"/> over in-process GGUF models. Each request holds a registry lease (the model cannot be
/// unloaded under it) and joins the model's continuous batch.
/// </summary>
/// <remarks>
/// Throws <see cref="ChatRequestException"/> for invalid input, <see cref="EngineBusyException"/> when the model's
/// queue is full, <see cref="ModelNotFoundException"/> and <see cref="ModelLoadException"/> from the registry; all
/// before the first update. Later failures end the stream with <see cref="FinishReason.Error"/>.
/// </remarks>
public sealed class LlamaChatEngine(IModelRegistry registry, IOptions<LlmOptions> options) : IChatEngine
{
    /// <inheritdoc />
    public async IAsyncEnumerable<ChatUpdate> StreamAsync(
        ChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ChatRequestValidator.Validate(request, options.Value.MaxTokensLimit);
        using var lease = await registry.AcquireAsync(request.ModelId, cancellationToken);
        if (lease.Model is not LlamaChatModel model)
            throw new ChatRequestException("model", $"Model '{request.ModelId}' is not a chat model.");

        var tools = OutputConstraints.Prompt(request, request.ModelId, model.ToolFormat);
        var grammar = OutputConstraints.Grammar(request, tools);
        // A grammar leaves no room for a think block, so a constrained answer is given without thinking.
        var thinks = request.Thinking && grammar is null;
        var sampling = grammar is null ? request.Sampling : request.Sampling with { Grammar = grammar };
        var (tokens, dropped) = ChatPromptBuilder.Build(model.Weights, request.Messages, sampling.MaxTokens,
            model.Scheduler.SequenceLimit, model.Thinks && !thinks ? ThinkingSplitter.EmptyBlock : "", tools);
        var thinking = model.Thinks ? new ThinkingSplitter(promptClosedBlock: !thinks) : null;
        // With tools the answer is held until it ends: only the whole text tells a call from an answer.
        var held = tools is { Definitions.Count: > 0 } ? new StringBuilder() : null;
        List<TokenLogProb> heldLogProbs = [];

        // Cancelled by the caller, or by us when the caller stops reading: either way decoding stops.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var job = model.Scheduler.Submit(tokens, sampling, dropped, request.FairnessKey ?? "",
            string.IsNullOrEmpty(request.CacheScope) ? null : request.CacheScope, stop.Token);
        try
        {
            await foreach (var raw in job.Updates.Reader.ReadAllAsync(CancellationToken.None))
            {
                var update = thinking?.Split(raw) ?? raw;
                if (held is null || tools is null)
                {
                    yield return update;
                    continue;
                }

                held.Append(update.TextDelta);
                heldLogProbs.AddRange(update.LogProbs);
                if (update.FinishReason is null)
                {
                    yield return update with { TextDelta = "", LogProbs = [] };
                    continue;
                }

                // A call cut short by max_tokens is not a call: the text goes back as it is, with finish reason length.
                var (content, calls) = update.FinishReason == FinishReason.Stop
                    ? tools.Format.Parse(held.ToString(), tools.Definitions)
                    : (held.ToString(), []);
                yield return update with { TextDelta = content, ToolCalls = calls, LogProbs = heldLogProbs };
            }
        }
        finally
        {
            await stop.CancelAsync();
            // Keep the lease until the loop has let go of the conversation (drain what the caller did not read).
            while (await job.Updates.Reader.WaitToReadAsync(CancellationToken.None))
                while (job.Updates.Reader.TryRead(out _)) { }
        }
    }
}
