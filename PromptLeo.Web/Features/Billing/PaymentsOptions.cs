using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Billing;

public enum PaymentProviderKind
{
    /// <summary>No online payment: admins book top-ups by hand.</summary>
    None,
    Stripe,
}

/// <summary>
/// The <c>Payments</c> section: which provider takes top-ups and its secrets. The secrets are read only by the Stripe
/// client and the webhook check; nothing logs them.
/// </summary>
public sealed class PaymentsOptions : IValidatableObject
{
    public const string SectionName = "Payments";

    /// <summary>Checkout is in euros only; the ledger is in micro-euros.</summary>
    public const string Currency = "eur";

    /// <summary>Card settles at once; SEPA Direct Debit confirms days later through the async events.</summary>
    public static readonly IReadOnlyList<string> PaymentMethodTypes = ["card", "sepa_debit"];

    public PaymentProviderKind Provider { get; set; } = PaymentProviderKind.None;

    /// <summary>Stripe secret API key (sk_live_… or sk_test_…, or a restricted rk_… key with Checkout Sessions write).</summary>
    public string? StripeSecretKey { get; set; }

    /// <summary>The signing secret of the webhook endpoint (whsec_…).</summary>
    public string? StripeWebhookSecret { get; set; }

    /// <summary>Stripe's API base URL; only tests point it elsewhere.</summary>
    [Url]
    public string? StripeApiBase { get; set; }

    /// <summary>How old a signed webhook may be, against replays of captured requests (Stripe's default: 300 s).</summary>
    [Range(10, 3600)]
    public int WebhookToleranceSeconds { get; set; } = 300;

    /// <summary>Smallest top-up; Stripe's own minimum for EUR is 0.50.</summary>
    [Range(typeof(decimal), "0.5", "100000")]
    public decimal MinTopUpEur { get; set; } = 5m;

    [Range(typeof(decimal), "0.5", "100000")]
    public decimal MaxTopUpEur { get; set; } = 1000m;

    public bool Enabled => Provider == PaymentProviderKind.Stripe;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinTopUpEur > MaxTopUpEur)
        {
            yield return new ValidationResult("MinTopUpEur must not exceed MaxTopUpEur.", [nameof(MinTopUpEur), nameof(MaxTopUpEur)]);
        }
        if (Provider == PaymentProviderKind.Stripe)
        {
            // The messages name the setting only, never its value.
            if (string.IsNullOrWhiteSpace(StripeSecretKey))
            {
                yield return new ValidationResult("Payments:StripeSecretKey is required when Payments:Provider is Stripe.", [nameof(StripeSecretKey)]);
            }
            if (string.IsNullOrWhiteSpace(StripeWebhookSecret))
            {
                yield return new ValidationResult("Payments:StripeWebhookSecret is required when Payments:Provider is Stripe.", [nameof(StripeWebhookSecret)]);
            }
        }
    }
}
