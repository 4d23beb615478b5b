using System.ComponentModel.DataAnnotations;
using OpenTelemetry.Exporter;

namespace PromptLeo.Web.Features.Telemetry;

/// <summary>The <c>Telemetry</c> section.</summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string SectionName = "Telemetry";

    /// <summary>OTLP export of traces and metrics; off while <see cref="OtlpOptions.Endpoint"/> is empty.</summary>
    public OtlpOptions Otlp { get; set; } = new();

    /// <summary>
    /// A port on which <c>/metrics</c> answers without sign-in (for a Prometheus scraper on a private network). The
    /// port must also be one Kestrel listens on (<c>urls</c> or <c>Kestrel:Endpoints</c>). Empty: <c>/metrics</c> is for
    /// signed-in administrators only.
    /// </summary>
    [Range(1, 65535)]
    public int? ManagementPort { get; set; }

    /// <summary>How often each node writes its activity sample for the admin's system view.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long samples are kept.</summary>
    public TimeSpan SampleRetention { get; set; } = TimeSpan.FromHours(24);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SampleInterval < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult("Telemetry:SampleInterval must be at least one second.", [nameof(SampleInterval)]);
        }
        if (SampleRetention < TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Telemetry:SampleRetention must be at least one hour (the system view shows the last hour).", [nameof(SampleRetention)]);
        }
        if (Otlp.Endpoint is { } endpoint && (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult("Telemetry:Otlp:Endpoint must be an absolute http or https URL, e.g. http://collector:4317.", ["Otlp.Endpoint"]);
        }
    }
}

/// <summary>The <c>Telemetry:Otlp</c> section.</summary>
public sealed class OtlpOptions
{
    /// <summary>The collector, e.g. <c>http://otel-collector:4317</c> (gRPC) or <c>http://otel-collector:4318</c> (HTTP).</summary>
    public Uri? Endpoint { get; set; }

    /// <summary><c>Grpc</c> (default) or <c>HttpProtobuf</c>.</summary>
    public OtlpExportProtocol Protocol { get; set; } = OtlpExportProtocol.Grpc;

    /// <summary>Extra headers for the collector, e.g. <c>Authorization=Bearer …</c> (comma-separated <c>key=value</c>).</summary>
    public string? Headers { get; set; }
}
