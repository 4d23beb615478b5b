using System.Collections.Concurrent;
using PromptLeo.Web.Features.Cluster;

namespace PromptLeo.Web.Features.Knowledge;

/// <summary>A built index with what a passage needs besides the chunk id: its source and text.</summary>
public sealed record KnowledgeIndexEntry(IKnowledgeIndex Index, IReadOnlyDictionary<Guid, KnowledgePassage> Sources);

/// <summary>
/// Built search indexes of decrypted chunks, per user, for a short while. The key names the collections and their
/// versions, so a document change (on any node) makes the next search rebuild; a user's entries go when their data key
/// is dropped (erasure, restriction: the cluster bus reaches every node) and after <see cref="Lifetime"/>.
/// </summary>
public sealed class KnowledgeIndexCache(TimeProvider time) : IClusterInvalidationHandler
{
    /// <summary>Decrypted content is held no longer than this without use.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, (KnowledgeIndexEntry Entry, DateTimeOffset Expires)>> users = new(StringComparer.Ordinal);
    // Counts forgets: an index built while one happened is used once and not kept.
    private long forgets;

    public async Task<KnowledgeIndexEntry> GetOrBuildAsync(string userId, string key, Func<Task<KnowledgeIndexEntry>> build)
    {
        var now = time.GetUtcNow();
        Sweep(now);
        var entries = users.GetOrAdd(userId, _ => new(StringComparer.Ordinal));
        if (entries.TryGetValue(key, out var cached) && cached.Expires > now)
        {
            entries[key] = (cached.Entry, now + Lifetime);
            return cached.Entry;
        }
        var forgetsBefore = Interlocked.Read(ref forgets);
        var built = await build();
        if (Interlocked.Read(ref forgets) == forgetsBefore)
        {
            users.GetOrAdd(userId, _ => new(StringComparer.Ordinal))[key] = (built, time.GetUtcNow() + Lifetime);
        }
        return built;
    }

    /// <summary>How many indexes this node holds for the user (tests and the memory view).</summary>
    public int CountFor(string userId) => users.TryGetValue(userId, out var entries) ? entries.Count : 0;

    public void Forget(string userId)
    {
        Interlocked.Increment(ref forgets);
        users.TryRemove(userId, out _);
    }

    void IClusterInvalidationHandler.Invalidate(ClusterInvalidation message)
    {
        // A user's erasure, restriction or disable; or a reconnected bus, after which anything may have been missed.
        if (message.Scope is InvalidationScope.User)
        {
            Forget(message.UserId);
        }
        else if (message.Scope is InvalidationScope.Everything)
        {
            Interlocked.Increment(ref forgets);
            users.Clear();
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (userId, entries) in users)
        {
            foreach (var (key, value) in entries)
            {
                if (value.Expires <= now)
                {
                    entries.TryRemove(key, out _);
                }
            }
            if (entries.IsEmpty)
            {
                users.TryRemove(userId, out _);
            }
        }
    }
}
