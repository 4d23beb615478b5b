using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Billing;

/// <summary>With top-ups through Stripe, Stripe receives the payer's payment details and the amount: a recipient of billing data.</summary>
public sealed class PaymentProviderRecipient(IOptions<PaymentsOptions> payments) : IProcessingRecipient
{
    public RegisterActivity Activity => RegisterActivity.Billing;

    public string? Describe(ReportText t) => payments.Value.Provider == PaymentProviderKind.Stripe
        ? t.T("the payment provider Stripe (Stripe Payments Europe Ltd., Dublin, Ireland) for top-ups: amount, payment reference and the payment details the payer enters at Stripe",
            "der Zahlungsdienstleister Stripe (Stripe Payments Europe Ltd., Dublin, Irland) für Aufladungen: Betrag, Zahlungsreferenz und die Zahlungsdaten, die der Zahler bei Stripe eingibt")
        : null;
}
