using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace PromptLeo.Web.Features.RemoteInference;

/// <summary>
/// Checks every enabled endpoint's <c>GET /models</c> periodically: healthy when it answers 200 with a model list that
/// holds every model registered for it. An unhealthy endpoint gets no requests until a check succeeds again.
/// </summary>
public sealed class RemoteHealthMonitor(
    RemoteEndpointCatalog catalog,
    IHttpClientFactory httpClients,
    IOptions<RemoteInferenceOptions> options,
    TimeProvider time,
    ILogger<RemoteHealthMonitor> logger) : BackgroundService
{
    public const string HttpClientName = "PromptLeo.RemoteInference.Health";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HealthCheckInterval, time);
        do
        {
            try
            {
                await Task.WhenAll(catalog.Enabled().Select(e => CheckAsync(e, stoppingToken)));
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The next round tries again (e.g. the database was busy while the list was read).
                logger.LogWarning(ex, "Remote endpoint health round failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Checks one endpoint now and records the result; returns whether it is healthy.</summary>
    public async Task<bool> CheckAsync(RemoteEndpoint endpoint, CancellationToken cancellationToken)
    {
        var state = catalog.State(endpoint.Id);
        var started = time.GetTimestamp();
        var problem = await ProblemAsync(endpoint, cancellationToken);
        if (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        state.RecordCheck(time.GetUtcNow(), time.GetElapsedTime(started));
        if (problem is null)
        {
            if (state.Health != RemoteHealth.Healthy)
            {
                logger.LogInformation("Remote endpoint {EndpointName} is healthy", endpoint.Name);
            }
            state.MarkHealthy(time.GetUtcNow());
            return true;
        }
        if (state.Health != RemoteHealth.Unhealthy)
        {
            logger.LogWarning("Remote endpoint {EndpointName} is unhealthy: {Reason}", endpoint.Name, problem);
        }
        state.MarkUnhealthy(problem, time.GetUtcNow());
        return false;
    }

    private async Task<RemoteProblem?> ProblemAsync(RemoteEndpoint endpoint, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, endpoint.BaseUrl + "/models");
        if (endpoint.ApiKey is { } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.HealthCheckTimeout);
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return new("GET /models answered {0}.", ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
            }
            using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token), cancellationToken: timeout.Token);
            if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                return new("GET /models did not answer with a model list.");
            }
            var offered = data.EnumerateArray()
                .Select(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null)
                .OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
            var missing = endpoint.Models.Where(m => !offered.Contains(m.Id)).Select(m => m.Id).ToList();
            return missing.Count == 0 ? null : new("It does not offer {0}.", string.Join(", ", missing));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new("GET /models timed out.");
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or IOException)
        {
            // The HTTP error's own message is the operating system's English; the log has it, the admin pages the kind.
            return ex is HttpRequestException ? new("GET /models could not reach the node.") : new("GET /models did not answer with JSON.");
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
