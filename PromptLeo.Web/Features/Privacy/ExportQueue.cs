using System.Threading.Channels;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>Export ids waiting for the worker.</summary>
public sealed class ExportQueue
{
    private readonly Channel<Guid> channel = Channel.CreateUnbounded<Guid>();

    public ValueTask EnqueueAsync(Guid exportId, CancellationToken cancellationToken = default) => channel.Writer.WriteAsync(exportId, cancellationToken);

    public IAsyncEnumerable<Guid> ReadAllAsync(CancellationToken cancellationToken) => channel.Reader.ReadAllAsync(cancellationToken);
}
