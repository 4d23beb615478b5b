using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Email;

namespace PromptLeo.Tests.Web;

public sealed class EmailTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task ConfirmationMail_GermanUser_IsGermanAndHasLink()
    {
        var sender = factory.Services.GetRequiredService<Microsoft.AspNetCore.Identity.IEmailSender<ApplicationUser>>();
        var user = new ApplicationUser { PreferredLanguage = "de" };
        await sender.SendConfirmationLinkAsync(user, "klaus@example.de", "http://localhost/Account/ConfirmEmail?userId=1&code=abc");

        var mail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, "klaus@example.de");
        Assert.Equal("Bestätigen Sie Ihre E-Mail-Adresse", mail.Subject);
        Assert.Equal("http://localhost/Account/ConfirmEmail?userId=1&code=abc", MailPickup.FirstLink(mail));
        Assert.Contains("href=\"http://localhost/Account/ConfirmEmail?userId=1&amp;code=abc\"", mail.HtmlBody);
    }

    [Fact]
    public void Transport_WithoutSmtpHost_IsPickupFolder()
    {
        Assert.IsType<PickupFolderMailTransport>(factory.Services.GetRequiredService<IMailTransport>());
    }
}
