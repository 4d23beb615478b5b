using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Data;

/// <summary>Which protection goal a breach hit (Art. 4(12) GDPR); an incident can hit several.</summary>
[Flags]
public enum BreachNature
{
    None = 0,
    Confidentiality = 1,
    Integrity = 2,
    Availability = 4,
}

/// <summary>The controller's risk assessment: none → document only, risk → notify the authority (Art. 33), high → also the users (Art. 34).</summary>
public enum BreachRisk
{
    Unlikely,
    Risk,
    HighRisk,
}

/// <summary>
/// One personal data breach in the register the controller keeps under Art. 33(5). Holds the admin's description and
/// counts, never the affected users' addresses; who was affected is found again from the processing records.
/// </summary>
public class BreachIncident
{
    public int Id { get; set; }

    public DateTimeOffset RecordedAt { get; set; }

    [MaxLength(450)]
    public string RecordedBy { get; set; } = "";

    public DateTimeOffset DiscoveredAt { get; set; }

    [MaxLength(4000)]
    public string Description { get; set; } = "";

    public BreachNature Nature { get; set; }

    /// <summary>Category keys joined by "; " (see the Breaches feature's category list).</summary>
    [MaxLength(500)]
    public string DataCategories { get; set; } = "";

    public DateTimeOffset WindowStart { get; set; }

    public DateTimeOffset WindowEnd { get; set; }

    /// <summary>Optional narrowing of the affected records; null means every model, node or channel.</summary>
    [MaxLength(200)]
    public string? ModelId { get; set; }

    [MaxLength(100)]
    public string? Node { get; set; }

    [MaxLength(16)]
    public string? Channel { get; set; }

    [MaxLength(4000)]
    public string Consequences { get; set; } = "";

    [MaxLength(4000)]
    public string Measures { get; set; } = "";

    public BreachRisk Risk { get; set; }

    /// <summary>Counts taken when the incident was recorded, so the register still states them after the records expire.</summary>
    public int AffectedAccounts { get; set; }

    public int AffectedErasedAccounts { get; set; }

    public int AffectedRecords { get; set; }

    public DateTimeOffset? AuthorityNotifiedAt { get; set; }

    [MaxLength(200)]
    public string? AuthorityReference { get; set; }

    /// <summary>Why the authority was told after 72 hours (Art. 33(1), second sentence).</summary>
    [MaxLength(2000)]
    public string? DelayReason { get; set; }

    public DateTimeOffset? UsersNotifiedAt { get; set; }

    public int UsersNotified { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }
}
