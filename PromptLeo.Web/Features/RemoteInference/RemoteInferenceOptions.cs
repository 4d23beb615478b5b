using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.RemoteInference;

/// <summary>Remote inference endpoints: which regions may process data, and how long the node waits for them.</summary>
public sealed class RemoteInferenceOptions
{
    public const string SectionName = "RemoteInference";

    /// <summary>The EU and EEA member states (ISO 3166-1 alpha-2), the default allowlist.</summary>
    public static readonly IReadOnlyList<string> EuAndEea =
    [
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT",
        "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
    ];

    /// <summary>
    /// Countries (or full region codes such as <c>DE-FRA</c>) an endpoint may be registered in; empty = <see cref="EuAndEea"/>.
    /// A region <c>DE-FRA</c> is allowed when <c>DE-FRA</c> or <c>DE</c> is listed.
    /// </summary>
    public string[] AllowedRegions { get; set; } = [];

    /// <summary>How often every endpoint's <c>GET /models</c> is checked.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "1.00:00:00")]
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait for an endpoint's <c>GET /models</c> answer in a health check.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:10:00")]
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait for an endpoint's response headers, per attempt (retries come on top).</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "01:00:00")]
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest silence between two streamed events before the request ends with 504.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "01:00:00")]
    public TimeSpan StreamIdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after a connection failure or a 5xx/408/429, before the first byte of an answer only.</summary>
    [Range(0, 5)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>The first retry's back-off; each further retry doubles it (with jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long an endpoint's circuit stays open after too many failures.</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    public IReadOnlyList<string> EffectiveAllowedRegions => AllowedRegions.Length == 0 ? EuAndEea : AllowedRegions;

    public bool IsAllowed(string region)
    {
        var country = region.Split('-')[0];
        return EffectiveAllowedRegions.Any(r => string.Equals(r, region, StringComparison.OrdinalIgnoreCase) || string.Equals(r, country, StringComparison.OrdinalIgnoreCase));
    }
}
