using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Accounts;

/// <summary>The <c>SignIn</c> section: growing waits after failed password sign-ins.</summary>
public sealed class SignInThrottleOptions
{
    public const string SectionName = "SignIn";

    /// <summary>Failures per e-mail address (known or not) before waits start.</summary>
    [Range(1, 100)]
    public int FreeFailuresPerAccount { get; set; } = 5;

    /// <summary>The longest wait per e-mail address; short, so an attacker cannot keep the owner out for long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MaxDelayPerAccount { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Failures per source address (any e-mail) before waits start.</summary>
    [Range(1, 1000)]
    public int FreeFailuresPerAddress { get; set; } = 10;

    /// <summary>The longest wait per source address.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxDelayPerAddress { get; set; } = TimeSpan.FromMinutes(15);
}
