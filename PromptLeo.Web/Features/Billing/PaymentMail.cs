using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Email;

namespace PromptLeo.Web.Features.Billing;

/// <summary>Tells the account holder, in their language, that a refund or dispute took booked credit back (best effort).</summary>
public sealed class PaymentMail(IDbContextFactory<AppDbContext> dbFactory, IServiceProvider services, ILogger<PaymentMail> logger)
{
    public async Task SendReversalAsync(Payment payment, long reversedMicros, string reason, CancellationToken cancellationToken)
    {
        if (services.GetService<IMailTransport>() is not { } transport)
        {
            return;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().Where(u => u.Id == payment.UserId).Select(u => new { u.Email, u.PreferredLanguage }).FirstOrDefaultAsync(cancellationToken);
        if (user?.Email is null)
        {
            return;
        }
        var german = user.PreferredLanguage == "de";
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
        var body = german
            ? $"Ihre Aufladung über {paid} (Zahlungsreferenz {payment.Id}) wurde storniert, weil {cause}. {amount} wurden Ihrem Guthaben wieder abgezogen. Ist Ihr Guthaben negativ, werden keine weiteren Anfragen ausgeführt, bis Sie es wieder aufladen."
            : $"Your top-up of {paid} (payment reference {payment.Id}) was reversed because {cause}. {amount} was taken back from your credit. While your credit is negative, no further requests run until you top up again.";
        var subject = german ? "Aufladung storniert" : "Top-up reversed";
        try
        {
            var from = services.GetRequiredService<IOptions<EmailOptions>>().Value;
            await transport.SendAsync(MailMessages.Compose(from, user.Email, subject, new MimeKit.TextPart("plain") { Text = body }), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The reversal is booked either way; the billing page shows it.
            logger.LogWarning(ex, "Reversal notice for payment {PaymentId} could not be mailed", payment.Id);
        }
    }
}
