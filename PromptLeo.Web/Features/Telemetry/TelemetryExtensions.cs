using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PromptLeo.Inference;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.Cluster;

namespace PromptLeo.Web.Features.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>Policy of <c>/metrics</c>: an administrator, or any caller on the management port.</summary>
    public const string MetricsPolicy = "Metrics";

    public const string MetricsPath = "/metrics";

    /// <summary>
    /// OpenTelemetry traces and metrics (ASP.NET Core, EF Core, HttpClient, the inference meters and the portal's), with
    /// personal data scrubbed before any exporter; OTLP when <c>Telemetry:Otlp:Endpoint</c> is set; the Prometheus scrape
    /// endpoint; and the per-node activity samples of the admin's system view.
    /// </summary>
    public static IHostApplicationBuilder AddPromptLeoTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        // The cluster helper registers the same options; register them only once, whichever lands first.
        if (!builder.Services.Any(s => s.ServiceType == typeof(IConfigureOptions<ClusterOptions>)))
        {
            builder.Services.AddOptions<ClusterOptions>().BindConfiguration(ClusterOptions.SectionName);
        }
        builder.Services.AddSingleton<PortalMetrics>();
        builder.Services.AddSingleton<NodeActivityMonitor>();
        builder.Services.AddSingleton<NodeMetricSampler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NodeMetricSampler>());
        builder.Services.AddScoped<SystemOverview>();

        builder.Services.AddAuthorizationBuilder().AddPolicy(MetricsPolicy, policy => policy.RequireAssertion(context =>
            context.User.IsInRole(Roles.Admin) || (context.Resource is HttpContext http && OnManagementPort(http))));

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService("promptleo", serviceVersion: NodeMetricSampler.Version, autoGenerateServiceInstanceId: false)
                .AddDetector(sp => new NodeResource(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.NodeName)))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments(MetricsPath))
                .AddHttpClientInstrumentation()
                .AddEntityFrameworkCoreInstrumentation() // parameter values are off by default; the scrubber drops the SQL text
                .AddProcessor(new PersonalDataScrubber()))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter([.. InferenceTelemetry.MeterNames, PortalMetrics.MeterName])
                .AddPrometheusExporter());
        // OTLP after the scrubber, so the collector gets scrubbed spans; decided from the bound options at build time.
        builder.Services.ConfigureOpenTelemetryTracerProvider((sp, tracing) =>
        {
            if (sp.GetRequiredService<IOptions<TelemetryOptions>>().Value.Otlp is { Endpoint: not null } otlp)
            {
                tracing.AddProcessor(new BatchActivityExportProcessor(new OtlpTraceExporter(ExporterOptions(otlp, "traces"))));
            }
        });
        builder.Services.ConfigureOpenTelemetryMeterProvider((sp, metrics) =>
        {
            if (sp.GetRequiredService<IOptions<TelemetryOptions>>().Value.Otlp is { Endpoint: not null } otlp)
            {
                metrics.AddReader(new PeriodicExportingMetricReader(new OtlpMetricExporter(ExporterOptions(otlp, "metrics"))));
            }
        });
        return builder;
    }

    /// <summary><c>/metrics</c> in Prometheus text format, for administrators and for the management port.</summary>
    public static IEndpointRouteBuilder MapPromptLeoTelemetry(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(MetricsPolicy);
        return endpoints;
    }

    // The port the connection arrived on, not a header: a proxy or client cannot fake it.
    private static bool OnManagementPort(HttpContext http) =>
        http.RequestServices.GetRequiredService<IOptions<TelemetryOptions>>().Value.ManagementPort is { } port && http.Connection.LocalPort == port;

    private static OtlpExporterOptions ExporterOptions(OtlpOptions otlp, string signal) => new()
    {
        Protocol = otlp.Protocol,
        // Over HTTP each signal has its own path; set in code, the exporter does not add it itself.
        Endpoint = otlp.Protocol == OtlpExportProtocol.HttpProtobuf
            ? new Uri(otlp.Endpoint!.ToString().TrimEnd('/') + "/v1/" + signal)
            : otlp.Endpoint!,
        Headers = string.IsNullOrWhiteSpace(otlp.Headers) ? null : otlp.Headers,
    };

    /// <summary>The node's name as <c>service.instance.id</c>, so a collector tells the nodes apart.</summary>
    private sealed class NodeResource(string nodeName) : IResourceDetector
    {
        public Resource Detect() => new([new KeyValuePair<string, object>("service.instance.id", nodeName)]);
    }
}
