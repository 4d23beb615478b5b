using Microsoft.Extensions.AI;
using PromptLeo.Inference.Llm;

namespace PromptLeo.Web.Features.Metering;

/// <summary>
/// Where one request is processed: this node's engines or a remote provider. The record and the
/// <c>X-Processing-Region</c> header name <see cref="Node"/> and <see cref="Region"/>; disposing ends the target's
/// in-flight count (the load balancing between endpoints of one model).
/// </summary>
public sealed class InferenceTarget(string node, string region, IChatClient chat, bool isRemote, Action? release = null) : IDisposable
{
    private Action? release = release;

    public string Node { get; } = node;

    public string Region { get; } = region;

    /// <summary>
    /// The chat client that serves this request: this node's engine or the remote endpoint, both as
    /// <see cref="IChatClient"/> (<see cref="ChatEngineClient"/>), so local and remote models are streamed alike.
    /// </summary>
    public IChatClient Chat { get; } = chat;

    /// <summary>This node's chat engine as an <see cref="IChatClient"/>.</summary>
    public static IChatClient LocalChatClient(IChatEngine engine) => new ChatEngineClient(engine, new ChatClientMetadata("promptleo-llama"));

    public bool IsRemote { get; } = isRemote;

    /// <summary>For a remote target: its <c>/images/generations</c>; null where the images run on this node.</summary>
    public IRemoteImageClient? RemoteImages { get; init; }

    public void Dispose() => Interlocked.Exchange(ref release, null)?.Invoke();
}

/// <summary>Chooses the target of a request by its model: local models run here, remote ones on a registered endpoint.</summary>
public interface IInferenceRouter
{
    /// <summary>
    /// The target for <paramref name="modelId"/>; throws <see cref="InferenceProviderException"/> when the model is remote
    /// and no endpoint of it can take the request.
    /// </summary>
    InferenceTarget Route(string modelId);
}

/// <summary>Every model runs on this node's engines.</summary>
public sealed class LocalInferenceRouter(IChatEngine engine, Records.ProcessingRecordWriter records) : IInferenceRouter
{
    private readonly IChatClient local = InferenceTarget.LocalChatClient(engine);

    public InferenceTarget Route(string modelId) => new(records.Node, records.Region, local, isRemote: false);
}

/// <summary>
/// The provider that was to process the request failed (down, slow, garbage): the request ends with
/// <see cref="Status"/> (502, 503 or 504) and nothing is charged, also when part of an answer had been streamed.
/// The message names no prompt or output.
/// </summary>
public sealed class InferenceProviderException(int status, string code, string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>A remote endpoint's <c>/images/generations</c>: the validated OpenAI body goes out, the PNGs come back.</summary>
public interface IRemoteImageClient
{
    /// <summary>Throws <see cref="InferenceProviderException"/> when the node fails (nothing charged).</summary>
    Task<IReadOnlyList<byte[]>> GenerateAsync(System.Text.Json.Nodes.JsonObject body, CancellationToken cancellationToken);
}
