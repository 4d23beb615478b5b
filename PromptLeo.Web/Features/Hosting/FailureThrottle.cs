using System.Collections.Concurrent;
using System.Net;

namespace PromptLeo.Web.Features.Hosting;

/// <summary>
/// Counts failures per key (a source address, an account) and answers with a growing wait once a key is past its
/// free failures: 1 s, 2 s, 4 s … up to <see cref="MaxDelay"/>. A key is forgotten after <see cref="ForgetAfter"/>
/// without failures. Per process: several nodes each count on their own (see docs/operations.md).
/// </summary>
public sealed class FailureThrottle(int freeFailures, TimeSpan maxDelay, TimeSpan forgetAfter, TimeProvider time)
{
    // Bounds memory when an attacker rotates keys; above this, forgotten entries are swept on the next failure.
    private const int SweepAbove = 50_000;

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private long lastSweepTicks;

    public int FreeFailures => freeFailures;

    public TimeSpan MaxDelay => maxDelay;

    public TimeSpan ForgetAfter => forgetAfter;

    /// <summary>How long <paramref name="key"/> must still wait, or null when it may try now.</summary>
    public TimeSpan? RetryAfter(string key)
    {
        if (!entries.TryGetValue(key, out var entry))
        {
            return null;
        }
        var now = time.GetUtcNow();
        lock (entry)
        {
            return entry.BlockedUntil > now ? entry.BlockedUntil - now : null;
        }
    }

    /// <summary>Counts a failure; returns the wait it imposes (zero while the key is within its free failures).</summary>
    public TimeSpan RecordFailure(string key)
    {
        var now = time.GetUtcNow();
        if (entries.Count > SweepAbove && now.UtcTicks - Interlocked.Read(ref lastSweepTicks) > TimeSpan.TicksPerSecond * 10)
        {
            Interlocked.Exchange(ref lastSweepTicks, now.UtcTicks);
            Sweep(now);
        }
        var entry = entries.GetOrAdd(key, _ => new Entry());
        lock (entry)
        {
            if (now - entry.LastFailure > forgetAfter)
            {
                entry.Failures = 0;
            }
            entry.Failures++;
            entry.LastFailure = now;
            var over = entry.Failures - freeFailures;
            var delay = over <= 0 ? TimeSpan.Zero : Delay(over);
            entry.BlockedUntil = now + delay;
            return delay;
        }
    }

    /// <summary>Forgets the key's failures, e.g. after a successful sign-in to that account.</summary>
    public void Reset(string key) => entries.TryRemove(key, out _);

    /// <summary>The key for a source address: IPv4 as is, IPv6 by its /64.</summary>
    // IPv6 clients usually own a whole /64; counting per /64 stops rotation within it.
    public static string AddressKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes) + "/64";
        }
        return address.ToString();
    }

    private TimeSpan Delay(int over)
    {
        // 2^(over-1) seconds, computed without overflow for long attacks.
        var seconds = over >= 31 ? double.MaxValue : Math.Pow(2, over - 1);
        return seconds >= maxDelay.TotalSeconds ? maxDelay : TimeSpan.FromSeconds(seconds);
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, entry) in entries)
        {
            if (now - entry.LastFailure > forgetAfter && now >= entry.BlockedUntil)
            {
                entries.TryRemove(key, out _);
            }
        }
    }

    private sealed class Entry
    {
        public int Failures;
        public DateTimeOffset LastFailure;
        public DateTimeOffset BlockedUntil;
    }
}
