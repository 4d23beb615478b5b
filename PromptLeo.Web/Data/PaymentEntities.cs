using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Data;

public enum PaymentStatus
{
    /// <summary>Checkout started; no credit yet.</summary>
    Pending,

    /// <summary>The provider confirmed the money; the credit is booked.</summary>
    Booked,

    /// <summary>The payment did not go through (e.g. a SEPA debit bounced before booking); nothing was booked.</summary>
    Failed,

    /// <summary>Booked, then taken back by a refund or dispute; a negative credit row reverses it.</summary>
    Reversed,
}

/// <summary>A top-up paid through a payment provider: the booking voucher of its credit transactions. No card or bank data.</summary>
public class Payment
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>The organization whose credit the payment tops up.</summary>
    public Guid OrganizationId { get; set; }

    /// <summary>The account; pseudonymized on erasure like the credit transactions it vouches for, so no foreign key.</summary>
    [MaxLength(450)]
    public string UserId { get; set; } = "";

    public long AmountMicros { get; set; }

    [MaxLength(3)]
    public string Currency { get; set; } = "eur";

    [MaxLength(20)]
    public string Provider { get; set; } = "stripe";

    /// <summary>The provider's checkout session id (cs_…).</summary>
    [MaxLength(255)]
    public string? SessionId { get; set; }

    /// <summary>The provider's payment id (pi_…), which refunds and disputes name.</summary>
    [MaxLength(255)]
    public string? PaymentIntentId { get; set; }

    /// <summary><c>card</c> or <c>sepa_debit</c>, once known.</summary>
    [MaxLength(40)]
    public string? MethodType { get; set; }

    public PaymentStatus Status { get; set; }

    /// <summary>How much of the booked amount refunds and disputes have taken back.</summary>
    public long ReversedMicros { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? BookedAt { get; set; }

    public DateTimeOffset? ReversedAt { get; set; }
}

/// <summary>A provider event already applied; a replay of the same id changes nothing.</summary>
public class ProcessedPaymentEvent
{
    [Key, MaxLength(255)]
    public string EventId { get; set; } = "";

    [MaxLength(100)]
    public string Type { get; set; } = "";

    public DateTimeOffset ProcessedAt { get; set; }
}
