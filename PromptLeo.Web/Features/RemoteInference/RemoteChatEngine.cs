using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Polly.CircuitBreaker;
using Polly.Timeout;
using PromptLeo.Inference.Llm;
using PromptLeo.Web.Features.Metering;

namespace PromptLeo.Web.Features.RemoteInference;

/// <summary>
/// Streams a chat completion from one remote OpenAI-compatible endpoint: always <c>stream: true</c> with
/// <c>stream_options.include_usage</c>, relayed event by event as <see cref="ChatUpdate"/>s. Token counts are the remote's
/// reported <c>usage</c>; where none is reported, each streamed delta counts as one completion token and the prompt as one
/// token per four UTF-8 bytes. Cancelling aborts the upstream HTTP request. Failures are
/// <see cref="InferenceProviderException"/>s (nothing charged) and mark the endpoint unhealthy.
/// </summary>
public sealed class RemoteChatEngine(RemoteCall remote) : IChatEngine
{
    public async IAsyncEnumerable<ChatUpdate> StreamAsync(ChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (request.Sampling.LogProbs)
        {
            throw new ChatRequestException("logprobs", "Log probabilities are not available for models served by a remote inference node.");
        }
        var response = await remote.SendAsync("/chat/completions", RemoteChatRequestBody.Write(request), request.ModelId, "text/event-stream", cancellationToken);
        RemoteChatStream stream;
        try
        {
            stream = new RemoteChatStream(remote, response, new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8), PromptEstimate(request));
        }
        catch
        {
            response.Dispose();
            throw;
        }
        await using (stream)
        {
            while (await stream.NextAsync(cancellationToken) is { } update)
            {
                yield return update;
            }
        }
    }

    // Where the node reports no usage: one token per four UTF-8 bytes of the prompt's texts.
    private static int PromptEstimate(ChatRequest request) =>
        (request.Messages.Sum(m => Encoding.UTF8.GetByteCount(m.Content) + m.ToolCalls.Sum(c => Encoding.UTF8.GetByteCount(c.Arguments))) + 3) / 4;
}

/// <summary>
/// One request to one endpoint: sends it through the resilience pipeline (retries before the first byte, timeout,
/// circuit breaker), maps what goes wrong to <see cref="InferenceProviderException"/> (nothing charged) or to the client's
/// own 400/429, and keeps the endpoint's health.
/// </summary>
public sealed class RemoteCall(
    RemoteEndpoint endpoint,
    RemoteEndpointState state,
    HttpClient http,
    RemoteInferenceOptions options,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>POSTs <paramref name="json"/> to the endpoint's <paramref name="path"/>; returns the successful response with its headers read.</summary>
    public async Task<HttpResponseMessage> SendAsync(string path, byte[] json, string modelId, string expectedMediaType, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, endpoint.BaseUrl + path)
        {
            Content = new ByteArrayContent(json) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        if (endpoint.ApiKey is { } key)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        HttpResponseMessage response;
        try
        {
            // Headers only: the resilience pipeline retries before the answer's first byte, never after it.
            response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (BrokenCircuitException ex)
        {
            state.MarkCircuitOpen(time.GetUtcNow() + options.BreakDuration);
            throw Fail(StatusCodes.Status503ServiceUnavailable, "remote_unavailable", new("The inference node is failing; its circuit is open."), ex, options.BreakDuration);
        }
        catch (Exception ex) when (ex is TimeoutRejectedException or OperationCanceledException)
        {
            throw Fail(StatusCodes.Status504GatewayTimeout, "remote_timeout", new("The inference node did not answer in time."), ex);
        }
        catch (HttpRequestException ex)
        {
            throw Fail(StatusCodes.Status503ServiceUnavailable, "remote_unreachable", new("The inference node cannot be reached."), ex, options.HealthCheckInterval);
        }
        try
        {
            await CheckResponseAsync(response, modelId, expectedMediaType, cancellationToken);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private async Task CheckResponseAsync(HttpResponseMessage response, string modelId, string expectedMediaType, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            if (response.Content.Headers.ContentType?.MediaType != expectedMediaType)
            {
                throw Fail(StatusCodes.Status502BadGateway, "remote_invalid_response", new("The inference node answered with '{0}' instead of '{1}'.", response.Content.Headers.ContentType?.MediaType ?? "", expectedMediaType));
            }
            // A PromptLeo node names where it processed; a node that processes elsewhere than registered is not used.
            if (response.Headers.TryGetValues("X-Processing-Region", out var regions) && regions.FirstOrDefault() is { } reported
                && !string.Equals(reported, endpoint.Region, StringComparison.OrdinalIgnoreCase))
            {
                throw Fail(StatusCodes.Status502BadGateway, "remote_region_mismatch", new("The inference node processes in region '{0}', not in the registered region '{1}'.", reported, endpoint.Region));
            }
            return;
        }
        var error = await ErrorMessageAsync(response, cancellationToken);
        switch (response.StatusCode)
        {
            case HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity:
                // The request itself is wrong for that model (e.g. max_tokens over its context): the client's mistake, a 400.
                throw new ChatRequestException(error.Param ?? "messages", "The inference node rejected the request: " + error.Message);
            case HttpStatusCode.TooManyRequests:
                throw new EngineBusyException(modelId, response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(5));
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                throw Fail(StatusCodes.Status502BadGateway, "remote_refused", new("The inference node refused the registered credential ({0}).", status.ToString(CultureInfo.InvariantCulture)));
            case HttpStatusCode.NotFound:
                throw Fail(StatusCodes.Status502BadGateway, "remote_model_missing", new("The inference node does not serve the model '{0}' ({1}).", modelId, status.ToString(CultureInfo.InvariantCulture)));
            default:
                throw Fail(StatusCodes.Status502BadGateway, "remote_error", new("The inference node answered with status {0}.", status.ToString(CultureInfo.InvariantCulture)));
        }
    }

    private static async Task<(string Message, string? Param)> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "";
                var param = error.TryGetProperty("param", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
                return (message.Length > 300 ? message[..300] : message, param);
            }
        }
        catch (Exception ex) when (ex is JsonException or HttpRequestException or IOException)
        {
            // No OpenAI error object: the status alone speaks.
        }
        return ($"status {(int)response.StatusCode}", null);
    }

    /// <summary>Marks the endpoint unhealthy and returns the exception the user gets (no prompt or output in either).</summary>
    public InferenceProviderException Fail(int status, string code, RemoteProblem reason, Exception? inner = null, TimeSpan? retryAfter = null)
    {
        state.MarkUnhealthy(reason, time.GetUtcNow());
        logger.LogWarning(inner, "Remote endpoint {EndpointName} failed ({Code}): {Reason}", endpoint.Name, code, reason);
        return new InferenceProviderException(status, code, reason + " Nothing was charged.", retryAfter, inner);
    }

    public void Succeeded() => state.MarkHealthy(time.GetUtcNow());

    public TimeSpan IdleTimeout => options.StreamIdleTimeout;
}
