using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Hosting;

/// <summary>The <c>Hosting</c> section.</summary>
public sealed class HostingOptions
{
    public const string SectionName = "Hosting";

    /// <summary>Where processing happens, e.g. <c>DE</c> or <c>DE-FRA</c>: shown in the footer, stamped on records, sent as a header.</summary>
    [Required, RegularExpression("^[A-Z]{2}(-[A-Z0-9]{2,10})?$", ErrorMessage = "Hosting:Region must look like DE or DE-FRA.")]
    public string Region { get; set; } = "DE";

    /// <summary>Name of this node, stamped on processing records. Defaults to the machine name.</summary>
    [MaxLength(100)]
    public string? Node { get; set; }

    /// <summary>Redirect HTTP to HTTPS and send HSTS. Turn on when the app (or its proxy) serves HTTPS.</summary>
    public bool UseHttpsRedirection { get; set; }
}
