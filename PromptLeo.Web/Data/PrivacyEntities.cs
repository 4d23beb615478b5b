using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Data;

/// <summary>Who did what to whose data. Details hold counts and ids only, never content or e-mail addresses.</summary>
public class AuditEntry
{
    public long Id { get; set; }

    /// <summary>Set on organization actions, which the organization's owners and admins see in its audit log.</summary>
    public Guid? OrganizationId { get; set; }

    public DateTimeOffset At { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>User id of whoever acted, or "system" for background jobs.</summary>
    [MaxLength(450)]
    public string ActorId { get; set; } = "";

    /// <summary>The user whose data was touched; null for system-wide events.</summary>
    [MaxLength(450)]
    public string? SubjectId { get; set; }

    /// <summary>A stable action name, e.g. <c>export.requested</c>, <c>erasure.completed</c>, <c>apikey.created</c>.</summary>
    [MaxLength(64)]
    public string Action { get; set; } = "";

    [MaxLength(1000)]
    public string Details { get; set; } = "";
}

public enum ExportStatus
{
    Queued,
    Running,
    Completed,
    Failed,
}

/// <summary>An Art. 15/20 export: a ZIP in the data folder, served to its owner until it expires.</summary>
public class DataExport
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    [MaxLength(450)]
    public string UserId { get; set; } = "";

    public ExportStatus Status { get; set; }

    /// <summary>0–100.</summary>
    public int Progress { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    public DateTimeOffset? CompletedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public long ByteSize { get; set; }

    [MaxLength(500)]
    public string? Error { get; set; }
}

/// <summary>Acceptance of one version of the data processing agreement (Art. 28).</summary>
public class DpaAcceptance
{
    public long Id { get; set; }

    /// <summary>The organization the DPA was accepted for (by one of its owners).</summary>
    public Guid OrganizationId { get; set; }

    /// <summary>The owner who accepted; null once that person's account is erased while a company organization's contract goes on.</summary>
    [MaxLength(450)]
    public string? UserId { get; set; }

    [MaxLength(20)]
    public string Version { get; set; } = "";

    public DateTimeOffset AcceptedAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>HMAC-SHA256 of the client IP: proves "the same address" without storing it.</summary>
    [MaxLength(64)]
    public string IpHash { get; set; } = "";

    [MaxLength(200)]
    public string CompanyName { get; set; } = "";

    [MaxLength(400)]
    public string CompanyAddress { get; set; } = "";

    [MaxLength(30)]
    public string? VatId { get; set; }
}

public enum ErasureStage
{
    /// <summary>Account locked and signed out everywhere; nothing deleted yet.</summary>
    Locked,
    /// <summary>Content, files and the data key are gone; the profile still exists (locked).</summary>
    ContentErased,
    /// <summary>The account row is gone; only the certificate remains until it expires.</summary>
    Completed,
}

/// <summary>
/// Durable state of an Art. 17 erasure, so a crash resumes it at the next start. Holds no personal data except the
/// certificate (categories and counts) for its download window.
/// </summary>
public class ErasureJob
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>The erased account's id; meaningless once the account row is gone.</summary>
    [MaxLength(450)]
    public string UserId { get; set; } = "";

    /// <summary>Random reference that replaces the user id on retained records.</summary>
    [MaxLength(64)]
    public string Pseudonym { get; set; } = "";

    public ErasureStage Stage { get; set; }

    public DateTimeOffset RequestedAt { get; set; } = DateTimeOffset.UtcNow;

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>JSON: category → count, captured before deleting.</summary>
    [MaxLength(4000)]
    public string CountsJson { get; set; } = "{}";

    /// <summary>"de" or "en", for the certificate.</summary>
    [MaxLength(5)]
    public string Language { get; set; } = "en";

    /// <summary>SHA-256 of the one-time download token for the certificate.</summary>
    [MaxLength(64)]
    public string CertificateTokenHash { get; set; } = "";

    public byte[]? Certificate { get; set; }

    public DateTimeOffset CertificateExpiresAt { get; set; }
}
