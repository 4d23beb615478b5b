using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Data;

/// <summary>
/// Proof of an erased account's contract and of what it was shown (a DPA acceptance, the privacy notice version at
/// registration), kept until claims from the contract are time-barred. It carries its own random
/// <see cref="Reference"/> and no user id, erasure pseudonym, invoice number or exact time, so it joins nothing else.
/// </summary>
public class ContractEvidence
{
    public long Id { get; set; }

    /// <summary>Random, one per erased account (<c>evidence-…</c>); printed only on that account's certificate.</summary>
    [MaxLength(64)]
    public string Reference { get; set; } = "";

    /// <summary><see cref="ContractEvidenceKinds"/>.</summary>
    [MaxLength(32)]
    public string Kind { get; set; } = "";

    /// <summary>The DPA version accepted, or the privacy notice version shown.</summary>
    [MaxLength(64)]
    public string Version { get; set; } = "";

    /// <summary>The UTC day of a DPA acceptance; a day, not a time, so it cannot be matched to a pseudonymized timestamp. Null for the notice.</summary>
    public DateOnly? AcceptedOn { get; set; }

    /// <summary>The contracting party as entered at acceptance.</summary>
    [MaxLength(200)]
    public string? CompanyName { get; set; }

    [MaxLength(400)]
    public string? CompanyAddress { get; set; }

    [MaxLength(30)]
    public string? VatId { get; set; }

    /// <summary>The acceptance's keyed hash of the client IP (never the IP).</summary>
    [MaxLength(64)]
    public string? IpHash { get; set; }

    /// <summary>End of the limitation period (31 Dec of the erasure year + <c>Privacy:ContractEvidenceRetentionYears</c>); the purge deletes the row after it.</summary>
    public DateTimeOffset RetainedUntil { get; set; }
}

public static class ContractEvidenceKinds
{
    public const string DpaAcceptance = "dpa-acceptance";
    public const string PrivacyNotice = "privacy-notice";
}
