using Microsoft.Extensions.Options;
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

        // Exporters and the scrape rule are fixed at start, so they are read once here.
        var telemetry = builder.Configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var node = builder.Configuration.GetSection(ClusterOptions.SectionName).Get<ClusterOptions>() ?? new ClusterOptions();
        builder.Services.AddAuthorizationBuilder().AddPolicy(MetricsPolicy, policy => policy.RequireAssertion(context =>
            context.User.IsInRole(Roles.Admin)
            || (telemetry.ManagementPort is { } port && context.Resource is HttpContext http && http.Connection.LocalPort == port)));

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("promptleo", serviceVersion: NodeMetricSampler.Version, serviceInstanceId: node.NodeName))
            .WithTracing(tracing =>
            {
                tracing
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments(MetricsPath))
                    .AddHttpClientInstrumentation()
                    .AddEntityFrameworkCoreInstrumentation() // parameter values are off by default; the scrubber drops the SQL text
                    .AddProcessor(new PersonalDataScrubber());
                if (telemetry.Otlp.Endpoint is not null)
                {
                    tracing.AddOtlpExporter(o => Configure(o, telemetry.Otlp, "traces"));
                }
            })
            .WithMetrics(metrics =>
            {
                metrics
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddMeter([.. InferenceTelemetry.MeterNames, PortalMetrics.MeterName])
                    .AddPrometheusExporter();
                if (telemetry.Otlp.Endpoint is not null)
                {
                    metrics.AddOtlpExporter(o => Configure(o, telemetry.Otlp, "metrics"));
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

    private static void Configure(OtlpExporterOptions exporter, OtlpOptions otlp, string signal)
    {
        exporter.Protocol = otlp.Protocol;
        // Over HTTP each signal has its own path; set in code, the exporter does not add it itself.
        exporter.Endpoint = otlp.Protocol == OtlpExportProtocol.HttpProtobuf
            ? new Uri(otlp.Endpoint!.ToString().TrimEnd('/') + "/v1/" + signal)
            : otlp.Endpoint!;
        if (!string.IsNullOrWhiteSpace(otlp.Headers))
        {
            exporter.Headers = otlp.Headers;
        }
    }
}
