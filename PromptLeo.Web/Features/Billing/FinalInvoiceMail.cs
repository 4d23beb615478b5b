using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Email;

namespace PromptLeo.Web.Features.Billing;

/// <summary>Delivers the final invoices of an erasure by e-mail while the address still exists (best effort, logged by number only).</summary>
public sealed class FinalInvoiceMail(IDbContextFactory<AppDbContext> dbFactory, IServiceProvider services, ILogger<FinalInvoiceMail> logger)
{
    public async Task SendAsync(string userId, IReadOnlyList<Invoice> invoices, CancellationToken cancellationToken)
    {
        if (invoices.Count == 0 || services.GetService<IMailTransport>() is not { } transport)
        {
            return;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.Email, u.PreferredLanguage }).FirstOrDefaultAsync(cancellationToken);
        if (user?.Email is null)
        {
            return;
        }
        var german = user.PreferredLanguage == "de";
        var numbers = string.Join(", ", invoices.Select(i => i.Number));
        var body = new MimeKit.BodyBuilder
        {
            TextBody = german
                ? $"Ihr Konto wird gelöscht. Anbei Ihre Schlussrechnung ({numbers}); die Leistung endet mit dem Löschdatum. Bitte bewahren Sie sie auf: Nach der Löschung kann der Betreiber sie Ihnen nicht mehr zuordnen."
                : $"Your account is being deleted. Attached is your final invoice ({numbers}); the service ends on the erasure date. Please keep it: after the erasure the operator can no longer link it to you.",
        };
        foreach (var invoice in invoices)
        {
            InvoiceMail.Attach(body, invoice);
        }
        var subject = german ? $"Schlussrechnung {numbers}" : $"Final invoice {numbers}";
        try
        {
            var from = services.GetRequiredService<IOptions<EmailOptions>>().Value;
            await transport.SendAsync(MailMessages.Compose(from, user.Email, subject, body.ToMessageBody()), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The confirmation page offers the same PDF; a rejected mailbox must not stop the erasure.
            logger.LogWarning(ex, "Final invoice {InvoiceNumbers} could not be mailed", numbers);
        }
    }
}
