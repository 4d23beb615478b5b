using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using PromptLeo.Web.Features.Email;

namespace PromptLeo.Tests.Web;

/// <summary>MailKit talks real SMTP to a minimal server on loopback that records the DATA it receives.</summary>
public sealed class SmtpTransportTests
{
    [Fact]
    public async Task Send_ToLocalSmtpServer_DeliversMessage()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var received = RunOneSessionAsync(listener);

        var transport = new SmtpMailTransport(Options.Create(new EmailOptions
        {
            SmtpHost = "127.0.0.1",
            SmtpPort = port,
            UseStartTls = false,
        }), NullLogger<SmtpMailTransport>.Instance);
        var message = new MimeMessage { Subject = "Hallo SMTP", Body = new TextPart("plain") { Text = "Grüße aus Frankfurt" } };
        message.From.Add(MailboxAddress.Parse("no-reply@promptleo.local"));
        message.To.Add(MailboxAddress.Parse("ops@example.de"));

        await transport.SendAsync(message);
        var (recipients, data) = await received.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains("<ops@example.de>", recipients);
        Assert.Contains("Subject: Hallo SMTP", data);
    }

    private static async Task<(string Recipients, string Data)> RunOneSessionAsync(TcpListener listener)
    {
        using var client = await listener.AcceptTcpClientAsync();
        await using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        var recipients = new StringBuilder();
        var data = new StringBuilder();
        await writer.WriteLineAsync("220 localhost test SMTP");
        while (await reader.ReadLineAsync() is { } line)
        {
            var command = line.ToUpperInvariant();
            if (command.StartsWith("EHLO") || command.StartsWith("HELO"))
            {
                await writer.WriteLineAsync("250-localhost");
                await writer.WriteLineAsync("250 8BITMIME");
            }
            else if (command.StartsWith("RCPT TO"))
            {
                recipients.Append(line);
                await writer.WriteLineAsync("250 OK");
            }
            else if (command == "DATA")
            {
                await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                while (await reader.ReadLineAsync() is { } body && body != ".")
                {
                    data.AppendLine(body);
                }
                await writer.WriteLineAsync("250 OK queued");
            }
            else if (command == "QUIT")
            {
                await writer.WriteLineAsync("221 Bye");
                break;
            }
            else
            {
                await writer.WriteLineAsync("250 OK");
            }
        }
        return (recipients.ToString(), data.ToString());
    }
}
