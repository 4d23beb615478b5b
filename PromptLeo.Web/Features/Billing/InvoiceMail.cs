using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Email;
using PromptLeo.Web.Features.Organizations;

namespace PromptLeo.Web.Features.Billing;

/// <summary>Mails a new monthly invoice to the invoiced organization's owners and billing members, with the attachments its format asks for.</summary>
public sealed class InvoiceMail(IDbContextFactory<AppDbContext> dbFactory, IServiceProvider services, ILogger<InvoiceMail> logger)
{
    public async Task SendAsync(Invoice invoice, CancellationToken cancellationToken)
    {
        if (services.GetService<IMailTransport>() is not { } transport)
        {
            return;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var recipients = await ContractParties.RecipientsAsync(db, invoice.OrganizationId, cancellationToken);
        var german = invoice.Language == "de";
        var from = services.GetRequiredService<IOptions<EmailOptions>>().Value;
        foreach (var recipient in recipients)
        {
            var body = new MimeKit.BodyBuilder
            {
                TextBody = german
                    ? $"Anbei Ihre Rechnung {invoice.Number} für die Nutzung von PromptLeo. Im Portal finden Sie sie unter Abrechnung als PDF, XRechnung und ZUGFeRD."
                    : $"Attached is your invoice {invoice.Number} for the use of PromptLeo. The portal offers it under Billing as PDF, XRechnung and ZUGFeRD.",
            };
            Attach(body, invoice);
            try
            {
                await transport.SendAsync(MailMessages.Compose(from, recipient.Email, german ? $"Rechnung {invoice.Number}" : $"Invoice {invoice.Number}", body.ToMessageBody()), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The portal offers the same downloads; one rejected mailbox must not stop the others.
                logger.LogWarning(ex, "Invoice {InvoiceNumber} could not be mailed to {UserId}", invoice.Number, recipient.UserId);
            }
        }
    }

    /// <summary>The PDF as issued (the ZUGFeRD PDF when chosen), plus the XRechnung XML when the organization chose XRechnung.</summary>
    public static void Attach(MimeKit.BodyBuilder body, Invoice invoice)
    {
        body.Attachments.Add($"{invoice.Number}.pdf", invoice.Pdf, new MimeKit.ContentType("application", "pdf"));
        if (invoice.EInvoiceFormat == EInvoiceFormat.XRechnung && invoice.EInvoiceXml is { } xml)
        {
            body.Attachments.Add($"{invoice.Number}.xml", xml, new MimeKit.ContentType("application", "xml"));
        }
    }
}
