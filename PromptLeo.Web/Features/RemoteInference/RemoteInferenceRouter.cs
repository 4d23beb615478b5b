using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Features.Metering;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Web.Features.RemoteInference;

/// <summary>
/// Installed models run on this node; a model that is not installed here but served by a registered endpoint runs there,
/// on the healthy endpoint with the fewest requests in flight. The target counts the request in flight until it is disposed.
/// </summary>
public sealed class RemoteInferenceRouter(
    IModelRegistry registry,
    IChatEngine localEngine,
    ProcessingRecordWriter records,
    RemoteEndpointCatalog catalog,
    IHttpClientFactory httpClients,
    IOptions<RemoteInferenceOptions> options,
    TimeProvider time,
    ILogger<RemoteCall> engineLogger) : IInferenceRouter
{
    public const string HttpClientName = "PromptLeo.RemoteInference";
    private readonly IChatClient local = InferenceTarget.LocalChatClient(localEngine);

    public InferenceTarget Route(string modelId)
    {
        if (registry.Get(modelId) is not null || catalog.Pick(modelId) is not { } picked)
        {
            return new InferenceTarget(records.Node, records.Region, local, isRemote: false);
        }
        var (endpoint, state) = picked;
        state.Enter();
        var call = new RemoteCall(endpoint, state, httpClients.CreateClient(HttpClientName), options.Value, time, engineLogger);
        // The remote endpoint as an IChatClient: the same adapter over the engine that relays the remote's stream.
        var client = new ChatEngineClient(new RemoteChatEngine(call), new ChatClientMetadata("openai-compatible", Uri.TryCreate(endpoint.BaseUrl, UriKind.Absolute, out var uri) ? uri : null, modelId));
        return new InferenceTarget(endpoint.Name, endpoint.Region, client, isRemote: true, state.Leave) { RemoteImages = new RemoteImageClient(call) };
    }
}
