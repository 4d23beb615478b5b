using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Data;

/// <summary>
/// A named lease that at most one portal node holds at a time (a scheduled job, a running export or erasure). Taken by
/// one conditional statement, renewed while the work runs, deleted at the end; a lease whose node died expires and is
/// taken over.
/// </summary>
public class ClusterLease
{
    /// <summary>The job, e.g. "job:monthly-invoices" or "export:{export id}"; never a person's name or address.</summary>
    [Key]
    [MaxLength(200)]
    public string Name { get; set; } = "";

    /// <summary>"{node name}/{random token}": the node, and which acquisition on it, that holds the lease.</summary>
    [MaxLength(200)]
    public string Holder { get; set; } = "";

    public DateTimeOffset AcquiredAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// An open budget reservation: the most a running request can cost, counted against every cap of the billed
/// organization until the request's usage event is saved. Deleted when the request ends; one whose node died expires.
/// </summary>
public class UsageReservation
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid OrganizationId { get; set; }

    /// <summary>The member who makes the request.</summary>
    [MaxLength(450)]
    public string UserId { get; set; } = "";

    public Guid? ApiKeyId { get; set; }

    public long AmountMicros { get; set; }

    /// <summary>
    /// The request's id: once its usage event (same organization and request, written since) is visible, the reservation
    /// no longer counts, so the event replaces it atomically even before the reservation row is deleted.
    /// </summary>
    [MaxLength(40)]
    public string RequestId { get; set; } = "";

    /// <summary>The node that runs the request (diagnostics).</summary>
    [MaxLength(200)]
    public string Node { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Renewed while the request runs; after it the reservation no longer counts and is deleted.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
}
