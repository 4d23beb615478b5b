using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>Export ids waiting for the worker; an id already waiting is not queued twice (the worker's sweep re-queues unfinished exports).</summary>
public sealed class ExportQueue
{
    private readonly Channel<Guid> channel = Channel.CreateUnbounded<Guid>();
    private readonly ConcurrentDictionary<Guid, byte> waiting = new();

    public ValueTask EnqueueAsync(Guid exportId, CancellationToken cancellationToken = default) =>
        waiting.TryAdd(exportId, 0) ? channel.Writer.WriteAsync(exportId, cancellationToken) : ValueTask.CompletedTask;

    public async IAsyncEnumerable<Guid> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var exportId in channel.Reader.ReadAllAsync(cancellationToken))
        {
            waiting.TryRemove(exportId, out _);
            yield return exportId;
        }
    }
}
