using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Web.Features.Email;

/// <summary>Delivers a composed message.</summary>
public interface IMailTransport
{
    Task SendAsync(MimeMessage message, CancellationToken cancellationToken = default);
}

/// <summary>Sends through an SMTP server with MailKit.</summary>
public sealed class SmtpMailTransport(IOptions<EmailOptions> options, ILogger<SmtpMailTransport> logger) : IMailTransport
{
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        using var client = new SmtpClient();
        await client.ConnectAsync(o.SmtpHost ?? throw new InvalidOperationException("Email:SmtpHost is not set."), o.SmtpPort, o.UseStartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, cancellationToken);
        if (!string.IsNullOrEmpty(o.Username))
        {
            await client.AuthenticateAsync(o.Username, o.Password ?? "", cancellationToken);
        }
        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(true, cancellationToken);
        // The message id identifies the mail without naming the recipient.
        logger.LogInformation("Mail {MessageId} sent over SMTP", message.MessageId);
    }
}

/// <summary>Writes each message as an .eml file into a folder, for development, demos and tests.</summary>
public sealed class PickupFolderMailTransport(IOptions<EmailOptions> options, DataPaths paths, ILogger<PickupFolderMailTransport> logger) : IMailTransport
{
    public string Directory => string.IsNullOrWhiteSpace(options.Value.PickupDirectory) ? paths.MailPickup : options.Value.PickupDirectory!;

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        DataFolderPermissions.CreateFolder(Directory);
        var name = $"{DateTime.UtcNow:yyyyMMdd-HHmmssfff}-{Guid.NewGuid():N}.eml";
        var tmp = Path.Combine(Directory, name + ".tmp");
        await message.WriteToAsync(tmp, cancellationToken);
        // Rename after writing so a reader never sees a half-written file.
        File.Move(tmp, Path.Combine(Directory, name));
        logger.LogInformation("Mail {MessageId} written to the pickup folder as {FileName}", message.MessageId, name);
    }
}

public static class MailMessages
{
    /// <summary>A message from the configured sender to one recipient.</summary>
    public static MimeMessage Compose(EmailOptions sender, string to, string subject, MimeEntity body)
    {
        var message = new MimeMessage { Subject = subject, Body = body };
        message.From.Add(new MailboxAddress(sender.FromName, sender.FromAddress));
        message.To.Add(MailboxAddress.Parse(to));
        return message;
    }
}
