using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Telemetry;

/// <summary>The portal exporting over OTLP/HTTP to a collector stand-in on loopback that keeps what it receives.</summary>
public sealed class OtlpPortal : PortalFactory, IAsyncLifetime
{
    private WebApplication? collector;
    private string collectorUrl = "";

    public List<(string Path, string? ContentType, byte[] Body)> Received { get; } = [];

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Telemetry:Otlp:Endpoint"] = collectorUrl,
        ["Telemetry:Otlp:Protocol"] = "HttpProtobuf",
    };

    public async Task InitializeAsync()
    {
        (collector, collectorUrl) = await LoopbackServer.StartAsync(app => app.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            lock (Received)
            {
                Received.Add((context.Request.Path, context.Request.ContentType, body.ToArray()));
            }
            return Results.Ok();
        }));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (collector is not null)
        {
            await collector.DisposeAsync();
        }
    }
}

public sealed class OtlpExportTests(OtlpPortal portal) : IClassFixture<OtlpPortal>
{
    [Fact]
    public async Task OtlpEndpointConfigured_TracesAndMetricsReachCollector_WithoutQueryOrPath()
    {
        const string email = "otlp.person@example.de";
        var client = portal.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/Account/Login?ReturnUrl=%2F&hint={Uri.EscapeDataString(email)}")).StatusCode);
        await client.GetAsync($"/files/{Uri.EscapeDataString(email)}");

        portal.Services.GetRequiredService<TracerProvider>().ForceFlush(10_000);
        portal.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000);

        List<(string Path, string? ContentType, byte[] Body)> received;
        lock (portal.Received)
        {
            received = [.. portal.Received];
        }
        var traces = received.Where(r => r.Path == "/v1/traces").ToList();
        Assert.NotEmpty(traces);
        Assert.Contains(received, r => r.Path == "/v1/metrics");
        Assert.All(received, r => Assert.Equal("application/x-protobuf", r.ContentType));
        var spans = string.Concat(traces.Select(t => Encoding.UTF8.GetString(t.Body)));
        Assert.Contains("/Account/Login", spans); // the route of the request
        Assert.DoesNotContain("otlp.person", spans);
        Assert.DoesNotContain(Uri.EscapeDataString(email), spans);
    }
}
