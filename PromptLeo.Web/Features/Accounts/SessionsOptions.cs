using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Accounts;

/// <summary>The <c>Sessions</c> section.</summary>
public sealed class SessionsOptions
{
    public const string SectionName = "Sessions";

    /// <summary>
    /// How often a signed-in browser (cookie and live circuit) is checked against its account and session row.
    /// Sign-out everywhere, password changes, role changes and erasure reach other sessions within this interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:30:00")]
    public TimeSpan ValidationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A session unused this long is gone (matches the cookie's sliding lifetime).</summary>
    [Range(typeof(TimeSpan), "00:05:00", "90.00:00:00")]
    public TimeSpan IdleLifetime { get; set; } = TimeSpan.FromDays(14);
}
