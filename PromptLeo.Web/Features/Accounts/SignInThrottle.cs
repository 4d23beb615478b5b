using System.Net;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Hosting;

namespace PromptLeo.Web.Features.Accounts;

/// <summary>
/// Growing waits after failed password sign-ins, per source address and per e-mail address. Unknown e-mail
/// addresses are counted exactly like known ones, so the answers never tell which addresses have accounts.
/// Sign-in failures never lock API keys or end existing sessions.
/// </summary>
public sealed class SignInThrottle(IOptions<SignInThrottleOptions> options, TimeProvider time)
{
    /// <summary>How long failed sign-ins are remembered (in memory only); the Art. 30 register prints it.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromHours(1);

    private readonly FailureThrottle accounts = new(options.Value.FreeFailuresPerAccount, options.Value.MaxDelayPerAccount, ForgetAfter, time);
    private readonly FailureThrottle addresses = new(options.Value.FreeFailuresPerAddress, options.Value.MaxDelayPerAddress, ForgetAfter, time);

    /// <summary>How long this address or e-mail must still wait before the password is even checked; null when it may try.</summary>
    public TimeSpan? RetryAfter(IPAddress? address, string email)
    {
        var byAddress = addresses.RetryAfter(FailureThrottle.AddressKey(address));
        var byAccount = accounts.RetryAfter(AccountKey(email));
        // The longer of the two waits applies.
        return byAddress is null || byAccount > byAddress ? byAccount : byAddress;
    }

    public void RecordFailure(IPAddress? address, string email)
    {
        addresses.RecordFailure(FailureThrottle.AddressKey(address));
        accounts.RecordFailure(AccountKey(email));
    }

    /// <summary>A correct password clears the account's count; the address keeps its count, so one known account cannot launder guesses at others.</summary>
    public void RecordSuccess(string email) => accounts.Reset(AccountKey(email));

    private static string AccountKey(string email) => email.Trim().ToUpperInvariant();
}
