using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using MimeKit;
using PromptLeo.Web.Data;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Email;

/// <summary>Account e-mails (confirmation, password reset, e-mail change), in the user's preferred language.</summary>
public sealed class IdentityEmailSender(
    IMailTransport transport,
    IOptions<EmailOptions> options,
    IStringLocalizer<SharedResource> localizer) : IEmailSender<ApplicationUser>
{
    public Task SendConfirmationLinkAsync(ApplicationUser user, string email, string confirmationLink) =>
        SendAsync(user, email, l => (l["Confirm your e-mail address"], l["Please confirm your PromptLeo account by opening this link:"]), confirmationLink);

    public Task SendPasswordResetLinkAsync(ApplicationUser user, string email, string resetLink) =>
        SendAsync(user, email, l => (l["Reset your password"], l["You can set a new PromptLeo password with this link:"]), resetLink);

    public Task SendPasswordResetCodeAsync(ApplicationUser user, string email, string resetCode) =>
        SendAsync(user, email, l => (l["Reset your password"], l["Use this code to reset your PromptLeo password:"]), resetCode, isLink: false);

    // Identity's pages pass links HTML-encoded (for the template's HTML mail); decode once so both bodies carry the real URL.
    private async Task SendAsync(
        ApplicationUser user,
        string email,
        Func<IStringLocalizer, (LocalizedString Subject, LocalizedString Intro)> texts,
        string payload,
        bool isLink = true)
    {
        payload = WebUtility.HtmlDecode(payload);
        var culture = CultureInfo.GetCultureInfo(user.PreferredLanguage == "de" ? "de" : "en");
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = culture;
        try
        {
            var (subjectText, introText) = texts(localizer);
            var subject = subjectText.Value;
            var intro = introText.Value;
            var ignore = localizer["If you did not ask for this, you can ignore this e-mail."].Value;
            var html = HtmlEncoder.Default;
            var body = new BodyBuilder
            {
                TextBody = $"{intro}\n\n{payload}\n\n{ignore}\n",
                HtmlBody = isLink
                    ? $"<p>{html.Encode(intro)}</p><p><a href=\"{html.Encode(payload)}\">{html.Encode(payload)}</a></p><p>{html.Encode(ignore)}</p>"
                    : $"<p>{html.Encode(intro)}</p><p><strong>{html.Encode(payload)}</strong></p><p>{html.Encode(ignore)}</p>",
            };
            await transport.SendAsync(MailMessages.Compose(options.Value, email, subject, body.ToMessageBody()));
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }
}

public static class EmailExtensions
{
    public static IHostApplicationBuilder AddPromptLeoEmail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SmtpMailTransport>();
        builder.Services.AddSingleton<PickupFolderMailTransport>();
        builder.Services.AddSingleton<IMailTransport>(sp =>
            string.IsNullOrWhiteSpace(sp.GetRequiredService<IOptions<EmailOptions>>().Value.SmtpHost)
                ? sp.GetRequiredService<PickupFolderMailTransport>()
                : sp.GetRequiredService<SmtpMailTransport>());
        builder.Services.AddTransient<IEmailSender<ApplicationUser>, IdentityEmailSender>();
        return builder;
    }
}
