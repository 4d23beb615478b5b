using System.ComponentModel.DataAnnotations;
using System.Net;

namespace PromptLeo.Web.Features.Hosting;

/// <summary>The <c>Hosting</c> section.</summary>
public sealed class HostingOptions : IValidatableObject
{
    public const string SectionName = "Hosting";

    /// <summary>Where processing happens, e.g. <c>DE</c> or <c>DE-FRA</c>: shown in the footer, stamped on records, sent as a header.</summary>
    [Required, RegularExpression("^[A-Z]{2}(-[A-Z0-9]{2,10})?$", ErrorMessage = "Hosting:Region must look like DE or DE-FRA.")]
    public string Region { get; set; } = "DE";

    /// <summary>Redirect HTTP to HTTPS and send HSTS. Turn on when the app (or its proxy) serves HTTPS.</summary>
    public bool UseHttpsRedirection { get; set; }

    /// <summary>Reverse proxies (IP addresses) whose X-Forwarded-For and X-Forwarded-Proto are trusted.</summary>
    /// <remarks>With no proxies and no networks configured, ASP.NET Core's default applies: loopback only.</remarks>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks in CIDR notation (e.g. <c>10.0.0.0/24</c>) whose proxies are trusted.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies.Where(p => !IPAddress.TryParse(p, out _)))
        {
            yield return new ValidationResult($"Hosting:KnownProxies: '{proxy}' is not an IP address.", [nameof(KnownProxies)]);
        }
        foreach (var network in KnownNetworks.Where(n => !IPNetwork.TryParse(n, out _)))
        {
            yield return new ValidationResult($"Hosting:KnownNetworks: '{network}' is not a network in CIDR notation such as 10.0.0.0/24.", [nameof(KnownNetworks)]);
        }
    }
}
