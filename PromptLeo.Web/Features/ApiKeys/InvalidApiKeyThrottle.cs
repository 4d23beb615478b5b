using System.Net;
using PromptLeo.Web.Features.Hosting;

namespace PromptLeo.Web.Features.ApiKeys;

/// <summary>
/// Invalid API keys per source address: 20 are free within an hour, then every further invalid key is answered
/// with 429 for a growing wait (1 s, 2 s, … 15 min). Valid keys from the same address keep working, so one
/// misconfigured client behind a company NAT does not stop its colleagues.
/// </summary>
public sealed class InvalidApiKeyThrottle(TimeProvider time)
{
    private readonly FailureThrottle throttle = new(freeFailures: 20, maxDelay: TimeSpan.FromMinutes(15), forgetAfter: TimeSpan.FromHours(1), time);

    /// <summary>Counts an invalid key; returns the wait the address must now observe, or null while it is within its free failures.</summary>
    public TimeSpan? RecordInvalid(IPAddress? address)
    {
        var key = FailureThrottle.AddressKey(address);
        throttle.RecordFailure(key);
        return throttle.RetryAfter(key);
    }
}
