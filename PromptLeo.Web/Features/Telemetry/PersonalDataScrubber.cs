using System.Diagnostics;
using OpenTelemetry;

namespace PromptLeo.Web.Features.Telemetry;

/// <summary>
/// Runs before every exporter and takes out of each span what can carry personal data: raw paths (ids), query strings
/// (tokens), client addresses, user agents, end-user attributes, headers, SQL text and parameters, and error descriptions.
/// Routes (templates), methods, status codes and durations stay. Tested by <c>TelemetryPrivacyTests</c>.
/// </summary>
public sealed class PersonalDataScrubber : BaseProcessor<Activity>
{
    private static readonly HashSet<string> Removed = new(StringComparer.Ordinal)
    {
        "url.path", "url.query", "http.target", "http.url", "user_agent.original", "http.user_agent",
        "client.address", "client.port", "network.peer.address", "network.peer.port", "net.peer.ip", "net.peer.name", "net.peer.port", "http.client_ip",
        "db.query.text", "db.statement", "exception.message", "exception.stacktrace", "otel.status_description",
    };

    private static readonly string[] RemovedPrefixes = ["enduser.", "user.", "db.query.parameter.", "db.statement.parameter.", "http.request.header.", "http.response.header.", "session."];

    public override void OnEnd(Activity data)
    {
        foreach (var key in data.TagObjects.Select(t => t.Key).Where(IsPersonal).ToList())
        {
            data.SetTag(key, null);
        }
        if (data.GetTagItem("url.full") is string full && Uri.TryCreate(full, UriKind.Absolute, out var url))
        {
            // Outgoing calls: the service called, not the path (ids) or query (tokens) it was called with.
            data.SetTag("url.full", url.GetLeftPart(UriPartial.Authority));
        }
        if (data.Status == ActivityStatusCode.Error)
        {
            data.SetStatus(ActivityStatusCode.Error); // drops the description, which quotes exception messages
        }
    }

    private static bool IsPersonal(string key) => Removed.Contains(key) || RemovedPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal));
}
