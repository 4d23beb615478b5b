using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Data;

/// <summary>
/// A sub-processor (Art. 28(2)/(4)). In force from <see cref="ActiveFrom"/> (null: since before the first announcement) until
/// <see cref="ActiveUntil"/>, so an announced change takes effect by its date without a job.
/// </summary>
public class SubProcessor
{
    public int Id { get; set; }

    [MaxLength(200)]
    public string Name { get; set; } = "";

    [MaxLength(300)]
    public string? Address { get; set; }

    /// <summary>The service or purpose it performs for the operator.</summary>
    [MaxLength(300)]
    public string Service { get; set; } = "";

    /// <summary>Location or country of the processing.</summary>
    [MaxLength(200)]
    public string Location { get; set; } = "";

    /// <summary>True: processing in the EU/EEA; false: a third country with <see cref="TransferBasis"/>; null: not stated (rows seeded from configuration).</summary>
    public bool? InEea { get; set; }

    /// <summary>Art. 44 ff. basis for a third country, e.g. "adequacy decision (EU-US Data Privacy Framework)" or "standard contractual clauses".</summary>
    [MaxLength(300)]
    public string? TransferBasis { get; set; }

    public DateTimeOffset? ActiveFrom { get; set; }

    public DateTimeOffset? ActiveUntil { get; set; }
}

public enum SubProcessorChangeKind
{
    Addition,
    Replacement,
    Removal,
}

/// <summary>An announced change of the sub-processor list; it takes effect at <see cref="EffectiveAt"/> (announcement + notice period).</summary>
public class SubProcessorChange
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public SubProcessorChangeKind Kind { get; set; }

    /// <summary>The new sub-processor (addition, replacement).</summary>
    public int? AddedId { get; set; }

    public SubProcessor? Added { get; set; }

    /// <summary>The sub-processor that goes (replacement, removal).</summary>
    public int? RemovedId { get; set; }

    public SubProcessor? Removed { get; set; }

    public DateTimeOffset AnnouncedAt { get; set; }

    public DateTimeOffset EffectiveAt { get; set; }

    /// <summary>User id of the admin who announced it.</summary>
    [MaxLength(450)]
    public string AnnouncedBy { get; set; } = "";
}

/// <summary>A customer's objection to an announced change (Art. 28(2) sentence 2). Deleted with the account; the audit entry stays.</summary>
public class SubProcessorObjection
{
    public long Id { get; set; }

    public Guid ChangeId { get; set; }

    [MaxLength(450)]
    public string UserId { get; set; } = "";

    public DateTimeOffset At { get; set; }

    [MaxLength(SubProcessorLimits.ReasonLength)]
    public string? Reason { get; set; }
}

/// <summary>Proof that a customer with a DPA was told about a change (mail sent), and whether the portal banner was dismissed.</summary>
public class SubProcessorNotice
{
    public long Id { get; set; }

    public Guid ChangeId { get; set; }

    [MaxLength(450)]
    public string UserId { get; set; } = "";

    /// <summary>When the e-mail went out; null when sending failed (the banner still shows).</summary>
    public DateTimeOffset? MailedAt { get; set; }

    public DateTimeOffset? DismissedAt { get; set; }
}

public static class SubProcessorLimits
{
    public const int ReasonLength = 1000;
}
