using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// The <c>OrganisationalMeasures</c> section: the Art. 32 measures software cannot see (premises, staff, tests). The
/// shipped texts are sensible suggestions; <see cref="OrganisationalMeasures"/> treats them as unconfirmed, so the
/// admin page asks for confirmation and the DPA annex prints a notice instead of them until the operator sets each one.
/// </summary>
public sealed class OrganisationalMeasuresOptions
{
    public const string SectionName = "OrganisationalMeasures";

    [Required, MaxLength(1000)]
    public string PhysicalAccess { get; set; } =
        "Servers stand in a locked rack in an access-controlled data centre; entry only for named staff with personal badges, logged and video-monitored.";

    [Required, MaxLength(1000)]
    public string StaffConfidentiality { get; set; } =
        "Every person with access to the servers is bound in writing to confidentiality and data secrecy and trained on data protection once a year.";

    [Required, MaxLength(1000)]
    public string RestoreTests { get; set; } =
        "A restore from backup into a separate environment is tested every quarter and the result is recorded.";

    [Required, MaxLength(1000)]
    public string SecurityTesting { get; set; } =
        "Security updates are applied monthly; an external penetration test runs once a year; these measures are reviewed once a year.";

    [Required, MaxLength(1000)]
    public string IncidentResponse { get; set; } =
        "A written incident plan names who assesses, contains and documents a security incident; incidents are recorded with their measures.";
}
