using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Data;

/// <summary>
/// One signed-in browser. The auth cookie carries its id; deleting the row signs that browser out at its next
/// request (or the next circuit revalidation). Rows go at sign-out and 14 days after last use.
/// </summary>
public class UserSession
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    [MaxLength(450)]
    public string UserId { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    public DateTimeOffset LastSeenAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>Browser and operating system from the User-Agent, e.g. "Firefox on Windows"; never the raw header.</summary>
    [MaxLength(100)]
    public string Device { get; set; } = "";

    /// <summary>The client's network with the host part removed (IPv4 /24, IPv6 /48), e.g. "203.0.113.0/24".</summary>
    [MaxLength(64)]
    public string Network { get; set; } = "";

    /// <summary>The processing region of the node that last served the session (Hosting:Region).</summary>
    [MaxLength(32)]
    public string Region { get; set; } = "";
}
