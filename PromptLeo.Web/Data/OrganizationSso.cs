using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Data;

/// <summary>
/// An organization's OpenID Connect single sign-on: its identity provider, the e-mail domains it vouches for, and the role
/// people get when they first sign in. Organization configuration, not personal data.
/// </summary>
public class OrganizationSso
{
    /// <summary>One configuration per organization: its id is the key.</summary>
    public Guid OrganizationId { get; set; }

    /// <summary>The provider's issuer (authority) URL; its discovery document is read from <c>/.well-known/openid-configuration</c> below it.</summary>
    [MaxLength(500)]
    public string Authority { get; set; } = "";

    [MaxLength(200)]
    public string ClientId { get; set; } = "";

    /// <summary>The client secret, protected with ASP.NET Core Data Protection; never shown again or logged.</summary>
    [MaxLength(4000)]
    public string ProtectedClientSecret { get; set; } = "";

    /// <summary>Lower-case e-mail domains (e.g. <c>firma.de</c>); a domain belongs to at most one organization.</summary>
    public List<string> Domains { get; set; } = [];

    /// <summary>The role of a person who joins by signing in (never Owner).</summary>
    public OrganizationRole JoinRole { get; set; } = OrganizationRole.Member;

    public bool Enabled { get; set; }

    /// <summary>Changes with every save, so every portal node reloads its sign-in scheme for this organization.</summary>
    public Guid Version { get; set; } = Guid.NewGuid();

    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
}
