using System.Collections.Concurrent;

namespace PromptLeo.Inference.Llm;

/// <summary><see cref="IPromptCache"/> over the schedulers of all loaded chat models (each registers while it runs).</summary>
internal sealed class PromptCacheDirectory : IPromptCache
{
    private readonly ConcurrentDictionary<ContinuousBatchScheduler, byte> _schedulers = new();

    public void Register(ContinuousBatchScheduler scheduler) => _schedulers.TryAdd(scheduler, 0);

    public void Unregister(ContinuousBatchScheduler scheduler) => _schedulers.TryRemove(scheduler, out _);

    public void DropScope(string scope)
    {
        ArgumentException.ThrowIfNullOrEmpty(scope);
        foreach (var scheduler in _schedulers.Keys)
            scheduler.DropCacheScope(scope);
    }

    public long BytesHeld => _schedulers.Keys.Sum(s => s.PromptCacheBytes);

    public int EntryCount => _schedulers.Keys.Sum(s => s.PromptCacheEntries);
}
