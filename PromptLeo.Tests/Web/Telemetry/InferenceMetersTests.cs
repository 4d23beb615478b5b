using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Admin;
using PromptLeo.Web.Features.Telemetry;

namespace PromptLeo.Tests.Web.Telemetry;

/// <summary>The inference and portal meters while the demo models generate for real (LLamaSharp and ONNX Runtime, no mocks).</summary>
public sealed class InferenceMetersTests(CpuDemoPortal portal) : IClassFixture<CpuDemoPortal>
{
    [Fact]
    public async Task ChatAndImages_DemoModels_MetersReportTokensTtftImagesQueueAndModelState()
    {
        using var recorded = new OwnMeasurements(portal.Services.GetRequiredService<InferenceTelemetry>(), portal.Services.GetRequiredService<PortalMetrics>());
        var (client, userId, _) = await portal.CreateApiClientAsync();

        var chat = await client.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = ApiPortalFactory.ChatModel,
            max_tokens = 8,
            messages = new[] { new { role = "user", content = "Count to three" } },
        });
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        var image = await client.PostAsJsonAsync("/v1/images/generations", new { model = ApiPortalFactory.ImageModel, prompt = "a lighthouse", size = "64x64", steps = 2 });
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);

        var usage = await portal.UsageEventsAsync(userId);
        var tokens = usage.Sum(u => (long)u.OutputTokens);
        Assert.True(tokens > 0);
        // The engine's counters equal what was billed.
        Assert.Equal(tokens, recorded.Sum("promptleo.llm.completion_tokens"));
        Assert.Equal(tokens, recorded.Sum("promptleo.inference.output_tokens"));
        Assert.Equal(1, recorded.Sum("promptleo.diffusion.images"));
        Assert.Equal(1, recorded.Sum("promptleo.inference.images"));
        Assert.Equal(2, recorded.Sum("promptleo.inference.requests"));
        Assert.Equal(1, recorded.Count("promptleo.llm.time_to_first_token"));
        Assert.True(recorded.Max("promptleo.llm.time_to_first_token") > 0);
        Assert.Equal(1, recorded.Count("promptleo.diffusion.generation_duration"));
        // Every sequence that became active left the batch again.
        Assert.True(recorded.Sum("promptleo.llm.active_sequences", positiveOnly: true) >= 1);
        Assert.Equal(0, recorded.Sum("promptleo.llm.active_sequences"));

        var states = recorded.Observe("promptleo.model.state");
        Assert.Contains(states, s => s.Model == ApiPortalFactory.ChatModel && s.State == "loaded");
        Assert.Contains(states, s => s.Model == ApiPortalFactory.ImageModel && s.State == "loaded");
    }

    [Fact]
    public async Task ImageGenerations_SecondWaitsForSlot_QueueDepthCountsIt()
    {
        var monitor = portal.Services.GetRequiredService<NodeActivityMonitor>();
        var generator = portal.Services.GetRequiredService<IImageGenerator>();
        var request = new ImageRequest { ModelId = ApiPortalFactory.ImageModel, Prompt = "a harbour", Width = 64, Height = 64, Steps = 2, Seed = 3 };
        using var firstStep = new SemaphoreSlim(0);
        using var goOn = new SemaphoreSlim(0);
        monitor.TakeInterval();

        // The first generation holds the only slot at its first step; the second must queue behind it.
        var first = generator.GenerateAsync(request, new HoldAtFirstStep(firstStep, goOn));
        Assert.True(await firstStep.WaitAsync(TimeSpan.FromSeconds(60)));
        var second = generator.GenerateAsync(request);
        await WaitUntilAsync(() => monitor.QueueDepth == 1);
        goOn.Release();
        await Task.WhenAll(first, second);

        Assert.Equal(0, monitor.QueueDepth);
        Assert.Equal(1, monitor.TakeInterval().PeakQueueDepth);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not become true within 30 s.");
            await Task.Delay(20);
        }
    }

    private sealed class HoldAtFirstStep(SemaphoreSlim reached, SemaphoreSlim goOn) : IProgress<ImageProgress>
    {
        private int reports;

        public void Report(ImageProgress value)
        {
            if (Interlocked.Increment(ref reports) == 1)
            {
                reached.Release();
                goOn.Wait(TimeSpan.FromSeconds(60));
            }
        }
    }

    /// <summary>Measurements of this portal's own instruments (other tests' hosts share the meter names).</summary>
    private sealed class OwnMeasurements : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly List<(string Name, double Value, KeyValuePair<string, object?>[] Tags)> values = [];

        public OwnMeasurements(InferenceTelemetry inference, PortalMetrics portal)
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (inference.Owns(instrument) || instrument.Meter == portal.Meter)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<int>((i, v, t, _) => Add(i, v, t));
            listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
            listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
            listener.Start();
        }

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (values)
            {
                values.Add((instrument.Name, value, tags.ToArray()));
            }
        }

        private List<(string Name, double Value, KeyValuePair<string, object?>[] Tags)> Of(string name)
        {
            lock (values)
            {
                return [.. values.Where(v => v.Name == name)];
            }
        }

        public long Sum(string name, bool positiveOnly = false) => (long)Of(name).Where(v => !positiveOnly || v.Value > 0).Sum(v => v.Value);

        public int Count(string name) => Of(name).Count;

        public double Max(string name) => Of(name).Max(v => v.Value);

        public List<(string Model, string State)> Observe(string name)
        {
            lock (values)
            {
                values.RemoveAll(v => v.Name == name);
            }
            listener.RecordObservableInstruments();
            return [.. Of(name).Select(v => ((string)v.Tags.Single(t => t.Key == "model").Value!, (string)v.Tags.Single(t => t.Key == "state").Value!))];
        }

        public void Dispose() => listener.Dispose();
    }
}
