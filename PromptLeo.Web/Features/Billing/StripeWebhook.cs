using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;
using Stripe;
using Stripe.Checkout;

namespace PromptLeo.Web.Features.Billing;

public enum WebhookOutcome
{
    Applied,
    Replayed,
    Ignored,
    UnknownPayment,
    BadSignature,
    Malformed,
}

/// <summary>
/// Applies Stripe's signed events to payments. Credit is booked only on a confirmed payment
/// (<c>checkout.session.completed</c> with <c>payment_status=paid</c>, or <c>checkout.session.async_payment_succeeded</c>
/// for SEPA); refunds and disputes book a negative row. Each event id is stored in the same transaction as its effect,
/// so a replay changes nothing.
/// </summary>
public sealed class StripeWebhook(
    IDbContextFactory<AppDbContext> dbFactory,
    IOptions<PaymentsOptions> options,
    AuditLog audit,
    PaymentMail mail,
    TimeProvider time,
    ILogger<StripeWebhook> logger)
{
    public const string CreditReferencePrefix = "stripe:";
    public const string ReversalReferencePrefix = "stripe-reversal:";

    public async Task<WebhookOutcome> HandleAsync(string json, string signatureHeader, CancellationToken cancellationToken = default)
    {
        Event stripeEvent;
        try
        {
            // Stripe.net rejects events of another API version: their objects may not match the classes it deserializes into.
            stripeEvent = EventUtility.ConstructEvent(json, signatureHeader, options.Value.StripeWebhookSecret, options.Value.WebhookToleranceSeconds, throwOnApiVersionMismatch: true);
        }
        catch (StripeException ex) when (ex.Message.Contains("signature", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("timestamp", StringComparison.OrdinalIgnoreCase))
        {
            logger.LogWarning("Stripe webhook with an invalid signature rejected");
            return WebhookOutcome.BadSignature;
        }
        catch (Exception ex) when (ex is StripeException or Newtonsoft.Json.JsonException or System.Text.Json.JsonException or ArgumentException or InvalidCastException)
        {
            logger.LogWarning("Stripe webhook with a signed but unusable body rejected: {ErrorType}", ex.GetType().Name);
            return WebhookOutcome.Malformed;
        }
        return await ApplyAsync(stripeEvent, cancellationToken);
    }

    private async Task<WebhookOutcome> ApplyAsync(Event stripeEvent, CancellationToken cancellationToken)
    {
        var reversal = (Reason: (string?)null, Payment: (Payment?)null, Micros: 0L);
        Payment? failed = null;
        WebhookOutcome outcome;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            if (await db.ProcessedPaymentEvents.AnyAsync(e => e.EventId == stripeEvent.Id, cancellationToken))
            {
                logger.LogInformation("Stripe event {EventId} replayed; already applied", stripeEvent.Id);
                return WebhookOutcome.Replayed;
            }
            var now = time.GetUtcNow();
            switch (stripeEvent.Type, stripeEvent.Data.Object)
            {
                case (EventTypes.CheckoutSessionCompleted, Session session):
                    outcome = await CompletedAsync(db, stripeEvent, session, now, cancellationToken);
                    break;
                case (EventTypes.CheckoutSessionAsyncPaymentSucceeded, Session session):
                    outcome = await BookAsync(db, stripeEvent, session, "sepa_debit", now, cancellationToken);
                    break;
                // An abandoned checkout expires after 24 hours; it is closed like a failed payment.
                case (EventTypes.CheckoutSessionAsyncPaymentFailed or EventTypes.CheckoutSessionExpired, Session session):
                    (outcome, failed) = await FailAsync(db, stripeEvent, session, cancellationToken);
                    break;
                case (EventTypes.ChargeRefunded, Charge charge):
                    (outcome, reversal) = await ReverseAsync(db, stripeEvent, charge.PaymentIntentId, charge.AmountRefunded * 10_000, "refund", now, cancellationToken);
                    break;
                case (EventTypes.ChargeDisputeCreated, Dispute dispute):
                    (outcome, reversal) = await ReverseAsync(db, stripeEvent, dispute.PaymentIntentId, long.MaxValue, "dispute", now, cancellationToken);
                    break;
                default:
                    logger.LogInformation("Stripe event {EventId} of type {EventType} ignored", stripeEvent.Id, stripeEvent.Type);
                    outcome = WebhookOutcome.Ignored;
                    break;
            }
            db.ProcessedPaymentEvents.Add(new ProcessedPaymentEvent { EventId = stripeEvent.Id, Type = stripeEvent.Type, ProcessedAt = now });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await tx.CommitAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Stripe delivered the same event twice at once; the other delivery applied it.
                if (await IsProcessedElsewhereAsync(stripeEvent.Id, cancellationToken))
                {
                    return WebhookOutcome.Replayed;
                }
                throw;
            }
        }
        if (reversal is { Reason: { } reason, Payment: { } reversed })
        {
            await mail.SendReversalAsync(reversed, reversal.Micros, reason, cancellationToken);
        }
        if (failed is not null)
        {
            await mail.SendFailedAsync(failed, cancellationToken);
        }
        return outcome;
    }

    private async Task<bool> IsProcessedElsewhereAsync(string eventId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ProcessedPaymentEvents.AnyAsync(e => e.EventId == eventId, cancellationToken);
    }

    private async Task<WebhookOutcome> CompletedAsync(AppDbContext db, Event stripeEvent, Session session, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (session.PaymentStatus == "paid")
        {
            return await BookAsync(db, stripeEvent, session, "card", now, cancellationToken);
        }
        // A SEPA debit completes the checkout unpaid; the credit waits for async_payment_succeeded.
        var payment = await FindAsync(db, stripeEvent, session, cancellationToken);
        if (payment is null)
        {
            return WebhookOutcome.UnknownPayment;
        }
        payment.PaymentIntentId ??= session.PaymentIntentId;
        logger.LogInformation("Payment {PaymentId} awaits confirmation ({PaymentStatus})", payment.Id, session.PaymentStatus);
        return WebhookOutcome.Applied;
    }

    private async Task<WebhookOutcome> BookAsync(AppDbContext db, Event stripeEvent, Session session, string method, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var payment = await FindAsync(db, stripeEvent, session, cancellationToken);
        if (payment is null)
        {
            return WebhookOutcome.UnknownPayment;
        }
        if (payment.Status != PaymentStatus.Pending)
        {
            logger.LogInformation("Payment {PaymentId} is {Status}; event {EventId} books nothing", payment.Id, payment.Status, stripeEvent.Id);
            return WebhookOutcome.Ignored;
        }
        if (session.AmountTotal != TopUpAmount.Cents(payment.AmountMicros) || !string.Equals(session.Currency, payment.Currency, StringComparison.OrdinalIgnoreCase))
        {
            logger.LogWarning("Payment {PaymentId}: Stripe reports another amount or currency than requested; not booked", payment.Id);
            return WebhookOutcome.Ignored;
        }
        payment.Status = PaymentStatus.Booked;
        payment.BookedAt = now;
        payment.MethodType = method;
        payment.PaymentIntentId ??= session.PaymentIntentId;
        db.CreditTransactions.Add(new CreditTransaction { OrganizationId = payment.OrganizationId, UserId = payment.UserId, AmountMicros = payment.AmountMicros, Reference = CreditReferencePrefix + payment.Id, At = now });
        db.AuditEntries.Add(StripeCheckout.PaymentAudit(audit.Create(AuditActions.System, payment.UserId, PaymentAuditActions.TopUpBooked, $"payment {payment.Id}, {payment.AmountMicros} micro-EUR, event {stripeEvent.Id}"), payment));
        logger.LogInformation("Payment {PaymentId} booked: {AmountMicros} micro-EUR credit for organization {OrganizationId}", payment.Id, payment.AmountMicros, payment.OrganizationId);
        return WebhookOutcome.Applied;
    }

    private async Task<(WebhookOutcome, Payment?)> FailAsync(AppDbContext db, Event stripeEvent, Session session, CancellationToken cancellationToken)
    {
        var payment = await FindAsync(db, stripeEvent, session, cancellationToken);
        if (payment is null)
        {
            return (WebhookOutcome.UnknownPayment, null);
        }
        if (payment.Status != PaymentStatus.Pending)
        {
            return (WebhookOutcome.Ignored, null);
        }
        payment.Status = PaymentStatus.Failed;
        payment.PaymentIntentId ??= session.PaymentIntentId;
        db.AuditEntries.Add(StripeCheckout.PaymentAudit(audit.Create(AuditActions.System, payment.UserId, PaymentAuditActions.TopUpFailed, $"payment {payment.Id}, event {stripeEvent.Id}"), payment));
        logger.LogInformation("Payment {PaymentId} failed; nothing booked", payment.Id);
        // An abandoned checkout was never a payment attempt worth a mail; a failed debit is.
        return (WebhookOutcome.Applied, stripeEvent.Type == EventTypes.CheckoutSessionAsyncPaymentFailed ? payment : null);
    }

    /// <summary>Books back up to <paramref name="upToMicros"/> in total (a refund states its running total; a dispute takes all).</summary>
    private async Task<(WebhookOutcome, (string?, Payment?, long))> ReverseAsync(
        AppDbContext db, Event stripeEvent, string? paymentIntentId, long upToMicros, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var payment = paymentIntentId is null ? null : await db.Payments.FirstOrDefaultAsync(p => p.PaymentIntentId == paymentIntentId, cancellationToken);
        if (payment is null)
        {
            logger.LogWarning("Stripe event {EventId} ({EventType}) names no known payment", stripeEvent.Id, stripeEvent.Type);
            return (WebhookOutcome.UnknownPayment, default);
        }
        var micros = Math.Min(upToMicros, payment.AmountMicros) - payment.ReversedMicros;
        if (payment.Status is not (PaymentStatus.Booked or PaymentStatus.Reversed) || micros <= 0)
        {
            logger.LogInformation("Payment {PaymentId} is {Status}; event {EventId} reverses nothing", payment.Id, payment.Status, stripeEvent.Id);
            return (WebhookOutcome.Ignored, default);
        }
        payment.ReversedMicros += micros;
        payment.Status = PaymentStatus.Reversed;
        payment.ReversedAt = now;
        // The balance may go negative; the prepaid budget check then refuses further requests.
        db.CreditTransactions.Add(new CreditTransaction { OrganizationId = payment.OrganizationId, UserId = payment.UserId, AmountMicros = -micros, Reference = $"{ReversalReferencePrefix}{payment.Id}:{reason}", At = now });
        db.AuditEntries.Add(StripeCheckout.PaymentAudit(audit.Create(AuditActions.System, payment.UserId, PaymentAuditActions.TopUpReversed, $"payment {payment.Id}, {micros} micro-EUR, {reason}, event {stripeEvent.Id}"), payment));
        logger.LogInformation("Payment {PaymentId} reversed by {Reason}: {AmountMicros} micro-EUR", payment.Id, reason, micros);
        return (WebhookOutcome.Applied, (reason, payment, micros));
    }

    private async Task<Payment?> FindAsync(AppDbContext db, Event stripeEvent, Session session, CancellationToken cancellationToken)
    {
        var payment = Guid.TryParse(session.ClientReferenceId, out var id)
            ? await db.Payments.FirstOrDefaultAsync(p => p.Id == id && p.SessionId == session.Id, cancellationToken)
            : null;
        if (payment is null)
        {
            // Ids only: the session may carry the payer's name and address.
            logger.LogWarning("Stripe event {EventId} ({EventType}) names no known payment", stripeEvent.Id, stripeEvent.Type);
        }
        return payment;
    }
}
