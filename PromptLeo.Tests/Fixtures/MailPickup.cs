using System.Text.RegularExpressions;
using MimeKit;

namespace PromptLeo.Tests.Fixtures;

/// <summary>Reads the .eml files the portal wrote into its pickup folder.</summary>
public static partial class MailPickup
{
    public static async Task<MimeMessage> WaitForMailToAsync(string directory, string recipient, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(directory))
            {
                foreach (var file in Directory.GetFiles(directory, "*.eml").OrderByDescending(File.GetCreationTimeUtc))
                {
                    var message = await MimeMessage.LoadAsync(file);
                    if (message.To.Mailboxes.Any(m => string.Equals(m.Address, recipient, StringComparison.OrdinalIgnoreCase)))
                    {
                        return message;
                    }
                }
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"No mail to {recipient} arrived in {directory}.");
    }

    public static string FirstLink(MimeMessage message)
    {
        var match = LinkPattern().Match(message.TextBody ?? "");
        Assert.True(match.Success, "The mail contains no link.");
        return match.Value;
    }

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex LinkPattern();
}
