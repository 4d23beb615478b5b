using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
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

        var (tokens, dropped) = ChatPromptBuilder.Build(model.Weights, request.Messages, request.Sampling.MaxTokens,
            model.Scheduler.SequenceLimit, model.Thinks && !request.Thinking ? ThinkingSplitter.EmptyBlock : "");
        var thinking = model.Thinks ? new ThinkingSplitter(promptClosedBlock: !request.Thinking) : null;

        // Cancelled by the caller, or by us when the caller stops reading: either way decoding stops.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var job = model.Scheduler.Submit(tokens, request.Sampling, dropped, request.FairnessKey ?? "",
            string.IsNullOrEmpty(request.CacheScope) ? null : request.CacheScope, stop.Token);
        try
        {
            await foreach (var update in job.Updates.Reader.ReadAllAsync(CancellationToken.None))
                yield return thinking?.Split(update) ?? update;
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
