using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;
using Stripe;
using Stripe.Checkout;

namespace PromptLeo.Web.Features.Billing;

/// <summary>Why a top-up amount was refused.</summary>
public enum TopUpAmountError
{
    None,
    NotANumber,
    OutOfRange,
    NotWholeCents,
}

/// <summary>Parses and checks a top-up amount entered in euros.</summary>
public static class TopUpAmount
{
    public static TopUpAmountError TryParse(string? text, PaymentsOptions options, out long amountMicros)
    {
        amountMicros = 0;
        // Browsers post number inputs with a dot; a German user typing into a text field may use a comma.
        if (!decimal.TryParse(text?.Trim().Replace(',', '.'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var eur))
        {
            return TopUpAmountError.NotANumber;
        }
        if (eur < options.MinTopUpEur || eur > options.MaxTopUpEur)
        {
            return TopUpAmountError.OutOfRange;
        }
        if (eur * 100 != decimal.Truncate(eur * 100))
        {
            return TopUpAmountError.NotWholeCents;
        }
        amountMicros = Money.FromEuro(eur);
        return TopUpAmountError.None;
    }

    public static long Cents(long amountMicros) => amountMicros / 10_000;
}

/// <summary>Audit action names of the payment flow.</summary>
public static class PaymentAuditActions
{
    public const string TopUpRequested = "payment.top-up-requested";
    public const string TopUpBooked = "payment.top-up-booked";
    public const string TopUpFailed = "payment.top-up-failed";
    public const string TopUpReversed = "payment.top-up-reversed";
}

/// <summary>
/// Starts a Stripe Checkout Session for a top-up: records a pending <see cref="Payment"/>, asks Stripe for a hosted
/// payment page and returns its URL. Card and bank details are entered at Stripe only. No credit is booked here: that
/// happens when the signed webhook confirms the payment (<see cref="StripeWebhook"/>).
/// </summary>
public sealed class StripeCheckout(
    IDbContextFactory<AppDbContext> dbFactory,
    IOptions<PaymentsOptions> options,
    IHttpClientFactory httpClients,
    AuditLog audit,
    TimeProvider time,
    ILogger<StripeCheckout> logger) : IPaymentProvider
{
    public const string HttpClientName = "stripe";

    private readonly Lazy<StripeClient> client = new(() => new StripeClient(
        apiKey: options.Value.StripeSecretKey,
        httpClient: new SystemNetHttpClient(httpClients.CreateClient(HttpClientName), maxNetworkRetries: 2),
        apiBase: string.IsNullOrWhiteSpace(options.Value.StripeApiBase) ? null : options.Value.StripeApiBase.TrimEnd('/')));

    public string Name => "stripe";

    public async Task<Uri> StartCheckoutAsync(string userId, Guid organizationId, long amountMicros, Uri returnUrl, CancellationToken cancellationToken = default)
    {
        var payment = new Payment { OrganizationId = organizationId, UserId = userId, AmountMicros = amountMicros, Currency = PaymentsOptions.Currency, CreatedAt = time.GetUtcNow() };
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            db.Payments.Add(payment);
            await db.SaveChangesAsync(cancellationToken);
        }

        var back = returnUrl.GetLeftPart(UriPartial.Path);
        var sessionOptions = new SessionCreateOptions
        {
            Mode = "payment",
            // API 2026-10-28.endive (Stripe.net 53) names the list allowed_payment_method_types; older versions payment_method_types.
            AllowedPaymentMethodTypes = [.. PaymentsOptions.PaymentMethodTypes],
            // The internal payment id, never the e-mail: Stripe learns no more about the account than it needs.
            ClientReferenceId = payment.Id.ToString(),
            Metadata = new Dictionary<string, string> { ["payment_id"] = payment.Id.ToString() },
            SuccessUrl = back + "?topUp=success",
            CancelUrl = back + "?topUp=cancelled",
            LineItems =
            [
                new SessionLineItemOptions
                {
                    Quantity = 1,
                    PriceData = new SessionLineItemPriceDataOptions
                    {
                        Currency = PaymentsOptions.Currency,
                        UnitAmount = TopUpAmount.Cents(amountMicros),
                        ProductData = new SessionLineItemPriceDataProductDataOptions { Name = "PromptLeo credit / Guthaben" },
                    },
                },
            ],
        };
        Session session;
        try
        {
            // The payment id as idempotency key: a retried request cannot open a second session.
            session = await new SessionService(client.Value).CreateAsync(sessionOptions, new RequestOptions { IdempotencyKey = payment.Id.ToString() }, cancellationToken);
        }
        catch (StripeException ex)
        {
            await MarkFailedAsync(payment.Id, cancellationToken);
            logger.LogWarning("Stripe refused checkout for payment {PaymentId}: {StripeErrorType} {StatusCode}", payment.Id, ex.StripeError?.Type, ex.HttpStatusCode);
            throw new PaymentUnavailableException("The payment service did not accept the request.", ex);
        }
        catch (HttpRequestException ex)
        {
            await MarkFailedAsync(payment.Id, cancellationToken);
            logger.LogWarning(ex, "Stripe unreachable for payment {PaymentId}", payment.Id);
            throw new PaymentUnavailableException("The payment service is not reachable.", ex);
        }
        if (!Uri.TryCreate(session.Url, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps && !url.IsLoopback)
        {
            await MarkFailedAsync(payment.Id, cancellationToken);
            logger.LogWarning("Stripe returned no usable checkout URL for payment {PaymentId}", payment.Id);
            throw new PaymentUnavailableException("The payment service returned no checkout page.");
        }
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            await db.Payments.Where(p => p.Id == payment.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.SessionId, session.Id), cancellationToken);
        }
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            db.AuditEntries.Add(PaymentAudit(audit.Create(userId, userId, PaymentAuditActions.TopUpRequested, $"payment {payment.Id}, {amountMicros} micro-EUR"), payment));
            await db.SaveChangesAsync(cancellationToken);
        }
        logger.LogInformation("Checkout for payment {PaymentId} of organization {OrganizationId} started by {UserId}", payment.Id, organizationId, userId);
        return url;
    }

    /// <summary>Payment entries also appear in the audit log of the organization whose credit they concern.</summary>
    internal static AuditEntry PaymentAudit(AuditEntry entry, Payment payment)
    {
        entry.OrganizationId = payment.OrganizationId;
        return entry;
    }

    private async Task MarkFailedAsync(Guid paymentId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Payments.Where(p => p.Id == paymentId).ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PaymentStatus.Failed), cancellationToken);
    }
}

/// <summary>The payment service could not start a checkout; the user may try again later.</summary>
public sealed class PaymentUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
