using System.Diagnostics.Metrics;

namespace PromptLeo.Tests.Fixtures;

public static class MeterSum
{
    /// <summary>
    /// Sums what one instrument records while <paramref name="action"/> runs. The instrument is picked by reference:
    /// other tests' engines run in parallel with their own instruments of the same name.
    /// </summary>
    public static async Task<long> DuringAsync(Instrument ours, Func<Task> action)
    {
        long total = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, ours))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref total, value));
        listener.Start();
        await action();
        return Interlocked.Read(ref total);
    }
}
