using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using MimeKit;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Email;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Organizations;

/// <summary>Invitation mails (in the organization's language) and the notice to a removed member (in theirs).</summary>
public sealed class OrganizationMail(
    IDbContextFactory<AppDbContext> dbFactory,
    IMailTransport transport,
    IOptions<EmailOptions> emailOptions,
    IStringLocalizer<OrganizationsResource> localizer)
{
    public async Task SendInvitationAsync(Guid organizationId, string organizationName, string to, OrganizationRole role, Uri link, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var language = await db.Organizations.Where(o => o.Id == organizationId).Select(o => o.Language).FirstAsync(cancellationToken);
        await SendAsync(to, language, o => (
            string.Format(o["Invitation to {0} on PromptLeo"], organizationName),
            [
                string.Format(o["You are invited to join the organization {0} on PromptLeo as {1}. Open this link to accept:"], organizationName, o[role.ToString()]),
                link.AbsoluteUri,
                string.Format(o["The link works once and expires on {0:d} at {0:t} (UTC). Sign in or register with this e-mail address to accept."], expiresAt.UtcDateTime),
                o["If you did not expect this invitation, ignore this e-mail."],
            ]), link.AbsoluteUri, cancellationToken);
    }

    public async Task SendRemovedAsync(Guid organizationId, string memberId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var name = await db.Organizations.Where(o => o.Id == organizationId).Select(o => o.Name).FirstAsync(cancellationToken);
        var member = await db.Users.Where(u => u.Id == memberId).Select(u => new { u.Email, u.PreferredLanguage }).FirstOrDefaultAsync(cancellationToken);
        if (member?.Email is not { } email)
        {
            return;
        }
        await SendAsync(email, member.PreferredLanguage, o => (
            string.Format(o["You were removed from {0}"], name),
            [
                string.Format(o["An owner or admin removed you from the organization {0} on PromptLeo. Your API keys of that organization no longer work, and you were signed out everywhere."], name),
                o["Your own conversations, images and presets stay yours; the organization never had access to them."],
            ]), null, cancellationToken);
    }

    private async Task SendAsync(string to, string language, Func<IStringLocalizer, (string Subject, string[] Paragraphs)> texts, string? link, CancellationToken cancellationToken)
    {
        var previous = CultureInfo.CurrentUICulture;
        var previousFormat = CultureInfo.CurrentCulture;
        CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(language.StartsWith("de", StringComparison.Ordinal) ? "de-DE" : "en-GB");
        try
        {
            var (subject, paragraphs) = texts(localizer);
            var html = HtmlEncoder.Default;
            var body = new BodyBuilder
            {
                TextBody = string.Join("\n\n", paragraphs) + "\n",
                HtmlBody = string.Concat(paragraphs.Select(p => p == link
                    ? $"<p><a href=\"{html.Encode(p)}\">{html.Encode(p)}</a></p>"
                    : $"<p>{html.Encode(p)}</p>")),
            };
            await transport.SendAsync(MailMessages.Compose(emailOptions.Value, to, subject, body.ToMessageBody()), cancellationToken);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
            CultureInfo.CurrentCulture = previousFormat;
        }
    }
}
