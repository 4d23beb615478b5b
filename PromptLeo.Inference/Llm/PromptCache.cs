using LLama.Batched;
using LLama.Native;

namespace PromptLeo.Inference.Llm;

/// <summary>
/// One model's kept conversations: finished requests whose KV cells stay in the context, matched by longest common
/// token prefix within their cache scope, least recently used out first. Not thread-safe: the scheduler calls it under
/// its lock. Conversations leave through <see cref="DisposeReleased"/>, which only the scheduler's loop calls (a KV
/// change must not race a decode).
/// </summary>
internal sealed class PromptCache(int maxEntries, long maxBytes, long bytesPerCell)
{
    private readonly LinkedList<Entry> _entries = new(); // most recently used first
    private readonly List<Entry> _released = []; // out of the cache, KV cells not yet freed

    public sealed record Entry(string Scope, List<LLamaToken> Tokens, Conversation Conversation);

    public int MaxEntries { get; } = maxEntries;
    public long BytesPerCell { get; } = bytesPerCell;
    public int Count => _entries.Count;

    /// <summary>KV cells held by kept conversations, including released ones not yet freed.</summary>
    public int Cells { get; private set; }

    /// <summary>KV bytes held by the conversations still matchable.</summary>
    public long Bytes { get; private set; }

    /// <summary>The entry of <paramref name="scope"/> sharing the longest token prefix with <paramref name="tokens"/>, and that length.</summary>
    public (Entry Entry, int Common)? FindLongestPrefix(string? scope, List<LLamaToken> tokens)
    {
        if (scope is null)
            return null;
        (Entry, int)? best = null;
        foreach (var entry in _entries)
        {
            if (entry.Scope != scope)
                continue;
            var common = CommonPrefix(entry.Tokens, tokens);
            if (common > 0 && common > (best?.Item2 ?? 0))
                best = (entry, common);
        }

        return best;
    }

    /// <summary>Hands the entry's conversation to a request; it leaves the cache.</summary>
    public void Take(Entry entry)
    {
        _entries.Remove(entry);
        Account(entry, -1);
    }

    /// <summary>
    /// Keeps a finished conversation, releasing the least recently used beyond the bounds; false (the caller disposes
    /// it) when it alone exceeds the byte bound. Loop thread only.
    /// </summary>
    public bool Add(string scope, List<LLamaToken> tokens, Conversation conversation)
    {
        if (MaxEntries == 0 || tokens.Count * BytesPerCell > maxBytes)
            return false;
        // Dropped entries hold sequence ids until freed: free them before this one takes a place.
        DisposeReleased();
        var entry = new Entry(scope, tokens, conversation);
        _entries.AddFirst(entry);
        Account(entry, +1);
        while ((_entries.Count > MaxEntries || Bytes > maxBytes) && ReleaseOldest(except: entry))
            DisposeReleased();
        return true;
    }

    /// <summary>Releases the least recently used entry other than <paramref name="except"/>; false when there is none.</summary>
    public bool ReleaseOldest(Entry? except = null)
    {
        var node = _entries.Last;
        while (node is not null && node.Value == except)
            node = node.Previous;
        if (node is null)
            return false;
        Release(node.Value);
        return true;
    }

    /// <summary>Releases the entries of <paramref name="scope"/> and of every scope below it.</summary>
    public void DropScope(string scope)
    {
        foreach (var entry in _entries.Where(e => InScope(e.Scope, scope)).ToList())
            Release(entry);
    }

    public void ReleaseAll()
    {
        foreach (var entry in _entries.ToList())
            Release(entry);
    }

    /// <summary>Frees the KV cells of released entries. Loop thread only.</summary>
    public void DisposeReleased()
    {
        foreach (var entry in _released)
        {
            Cells -= entry.Tokens.Count;
            try
            {
                entry.Conversation.Dispose();
            }
            catch (ObjectDisposedException)
            {
                // The executor went first (recreated after a failure); its KV cache is gone with it.
            }
        }

        _released.Clear();
    }

    /// <summary>True when <paramref name="entryScope"/> is <paramref name="scope"/> or below it (<c>scope/...</c>).</summary>
    public static bool InScope(string entryScope, string scope) =>
        entryScope.Length >= scope.Length && entryScope.StartsWith(scope, StringComparison.Ordinal)
                                          && (entryScope.Length == scope.Length || entryScope[scope.Length] == '/');

    private void Release(Entry entry)
    {
        _entries.Remove(entry);
        Bytes -= entry.Tokens.Count * BytesPerCell;
        _released.Add(entry);
    }

    private void Account(Entry entry, int sign)
    {
        Cells += sign * entry.Tokens.Count;
        Bytes += sign * entry.Tokens.Count * BytesPerCell;
    }

    private static int CommonPrefix(List<LLamaToken> a, List<LLamaToken> b)
    {
        var length = Math.Min(a.Count, b.Count);
        var i = 0;
        while (i < length && a[i] == b[i])
            i++;
        return i;
    }
}
