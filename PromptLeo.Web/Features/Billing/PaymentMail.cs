using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Email;

namespace PromptLeo.Web.Features.Billing;

/// <summary>
/// Tells the organization's owners and billing members, each in their language, that a top-up failed or that a refund
/// or dispute took booked credit back (best effort).
/// </summary>
public sealed class PaymentMail(IDbContextFactory<AppDbContext> dbFactory, IServiceProvider services, ILogger<PaymentMail> logger)
{
    public Task SendReversalAsync(Payment payment, long reversedMicros, string reason, CancellationToken cancellationToken) =>
        SendAsync(payment, german =>
        {
            var culture = new Reports.ReportText(german ? "de" : "en");
            var amount = InvoiceDocument.Eur(reversedMicros, culture);
            var paid = InvoiceDocument.Eur(payment.AmountMicros, culture);
            var cause = (reason, german) switch
            {
                ("dispute", true) => "Ihre Bank hat die Zahlung angefochten (Rückbuchung)",
                ("dispute", false) => "your bank disputed the payment (chargeback)",
                (_, true) => "die Zahlung wurde erstattet",
                _ => "the payment was refunded",
            };
            return german
                ? ("Aufladung storniert", $"Ihre Aufladung über {paid} (Zahlungsreferenz {payment.Id}) wurde storniert, weil {cause}. {amount} wurden Ihrem Guthaben wieder abgezogen. Ist Ihr Guthaben negativ, werden keine weiteren Anfragen ausgeführt, bis Sie es wieder aufladen.")
                : ("Top-up reversed", $"Your top-up of {paid} (payment reference {payment.Id}) was reversed because {cause}. {amount} was taken back from your credit. While your credit is negative, no further requests run until you top up again.");
        }, cancellationToken);

    public Task SendFailedAsync(Payment payment, CancellationToken cancellationToken) =>
        SendAsync(payment, german =>
        {
            var paid = InvoiceDocument.Eur(payment.AmountMicros, new Reports.ReportText(german ? "de" : "en"));
            return german
                ? ("Aufladung fehlgeschlagen", $"Die Aufladung über {paid} (Zahlungsreferenz {payment.Id}) ist fehlgeschlagen; es wurde kein Guthaben gebucht. Sie können es auf der Abrechnungsseite erneut versuchen.")
                : ("Top-up failed", $"The top-up of {paid} (payment reference {payment.Id}) failed; no credit was booked. You can try again on the billing page.");
        }, cancellationToken);

    private async Task SendAsync(Payment payment, Func<bool, (string Subject, string Body)> compose, CancellationToken cancellationToken)
    {
        if (services.GetService<IMailTransport>() is not { } transport)
        {
            return;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var organization = await db.Organizations.AsNoTracking().Where(o => o.Id == payment.OrganizationId)
            .Select(o => new { o.Name, o.PersonalOwnerId }).FirstOrDefaultAsync(cancellationToken);
        // Whoever may pay for the organization hears about its payments; a personal organization's is its owner.
        var recipients = await (from m in db.OrganizationMembers
                                join u in db.Users on m.UserId equals u.Id
                                where m.OrganizationId == payment.OrganizationId && (m.Role == OrganizationRole.Owner || m.Role == OrganizationRole.Billing) && u.Email != null
                                select new { u.Email, u.PreferredLanguage }).ToListAsync(cancellationToken);
        var from = services.GetRequiredService<IOptions<EmailOptions>>().Value;
        foreach (var recipient in recipients)
        {
            var german = recipient.PreferredLanguage == "de";
            var (subject, body) = compose(german);
            if (organization is { PersonalOwnerId: null, Name: var name })
            {
                subject = $"{subject}: {name}";
                body = (german ? $"Organisation {name}: " : $"Organization {name}: ") + body;
            }
            try
            {
                await transport.SendAsync(MailMessages.Compose(from, recipient.Email!, subject, new MimeKit.TextPart("plain") { Text = body }), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The booking stands either way; the billing page shows it.
                logger.LogWarning(ex, "Payment notice for payment {PaymentId} could not be mailed", payment.Id);
            }
        }
    }
}
