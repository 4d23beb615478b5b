using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// The portal with demo models whose OpenTelemetry pipeline also exports into memory (after the app's own scrubber, as
/// any real exporter would), and whose every request comes from one fixed client address.
/// </summary>
public sealed class TelemetryCapturePortal : ApiPortalFactory
{
    public const string ClientAddress = "203.0.113.77";

    public LockedList<Activity> Spans { get; } = new();

    public LockedList<MetricSnapshot> Metrics { get; } = new();

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings) { ["Inference:Device"] = "Cpu" };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans));
            services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(Metrics));
            services.AddSingleton<IStartupFilter>(new FixedClientAddress(IPAddress.Parse(ClientAddress)));
        });
    }

    /// <summary>Exports everything recorded so far.</summary>
    public void Flush()
    {
        // The result is not asserted: the Prometheus reader, which only collects when scraped, answers false.
        Services.GetRequiredService<TracerProvider>().ForceFlush(10_000);
        Services.GetRequiredService<MeterProvider>().ForceFlush(10_000);
    }

    private sealed class FixedClientAddress(IPAddress address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>A list the exporters add to from their threads while a test reads a copy.</summary>
public sealed class LockedList<T> : ICollection<T>
{
    private readonly List<T> items = [];
    private readonly Lock gate = new();

    public int Count { get { lock (gate) return items.Count; } }
    public bool IsReadOnly => false;
    public void Add(T item) { lock (gate) items.Add(item); }
    public void Clear() { lock (gate) items.Clear(); }
    public bool Contains(T item) { lock (gate) return items.Contains(item); }
    public void CopyTo(T[] array, int arrayIndex) { lock (gate) items.CopyTo(array, arrayIndex); }
    public bool Remove(T item) { lock (gate) return items.Remove(item); }
    public List<T> Snapshot() { lock (gate) return [.. items]; }
    public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
