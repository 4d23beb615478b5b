using System.Net;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web;

public sealed class ManageAccountTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private const string Password = "Manage-Passw0rd-1";

    [Fact]
    public async Task ChangePassword_WithCurrentPassword_NewOneWorksOldOneNot()
    {
        var client = factory.CreateBrowserLikeClient();
        var email = $"pw.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, email, Password);

        var changed = await FormPost.SubmitAsync(client, "/Account/Manage/ChangePassword", "change-password", new Dictionary<string, string>
        {
            ["Input.OldPassword"] = Password,
            ["Input.NewPassword"] = "Changed-Passw0rd-2",
            ["Input.ConfirmPassword"] = "Changed-Passw0rd-2",
        });
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await PortalSession.LoginAsync(factory.CreateBrowserLikeClient(), email, Password)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(factory.CreateBrowserLikeClient(), email, "Changed-Passw0rd-2")).StatusCode);
    }

    [Fact]
    public async Task ChangePassword_WrongCurrentPassword_ShowsError()
    {
        var client = factory.CreateBrowserLikeClient();
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, $"pw2.{Guid.NewGuid():N}@example.de", Password);

        var response = await FormPost.SubmitAsync(client, "/Account/Manage/ChangePassword", "change-password", new Dictionary<string, string>
        {
            ["Input.OldPassword"] = "Not-The-Passw0rd",
            ["Input.NewPassword"] = "Changed-Passw0rd-2",
            ["Input.ConfirmPassword"] = "Changed-Passw0rd-2",
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Incorrect password.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ChangeEmail_ConfirmedFromMail_LoginWithNewAddress()
    {
        var client = factory.CreateBrowserLikeClient();
        var oldEmail = $"old.{Guid.NewGuid():N}@example.de";
        var newEmail = $"new.{Guid.NewGuid():N}@example.fr";
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, oldEmail, Password);

        var submitted = await FormPost.SubmitAsync(client, "/Account/Manage/Email", "change-email", new Dictionary<string, string>
        {
            ["Input.NewEmail"] = newEmail,
        });
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        Assert.Contains("Confirmation link to change email sent", await submitted.Content.ReadAsStringAsync());

        var mail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, newEmail);
        var confirmed = await client.GetAsync(new Uri(MailPickup.FirstLink(mail)).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains("Thank you for confirming your email change.", await confirmed.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(factory.CreateBrowserLikeClient(), newEmail, Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PortalSession.LoginAsync(factory.CreateBrowserLikeClient(), oldEmail, Password)).StatusCode);
    }

    [Fact]
    public async Task Profile_SaveGermanLanguage_SwitchesUiToGerman()
    {
        var client = factory.CreateBrowserLikeClient();
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, $"profile.{Guid.NewGuid():N}@example.de", Password);

        var saved = await FormPost.SubmitAsync(client, "/Account/Manage", "profile", new Dictionary<string, string>
        {
            ["Input.DisplayName"] = "Greta Beispiel",
            ["Input.CompanyName"] = "Beispiel GmbH",
            ["Input.BillingStreet"] = "Hauptstraße 1",
            ["Input.BillingPostalCode"] = "60311",
            ["Input.BillingCity"] = "Frankfurt am Main",
            ["Input.BillingCountry"] = "de",
            ["Input.VatId"] = "DE123456789",
            ["Input.PreferredLanguage"] = "de",
            ["Input.PhoneNumber"] = "",
        });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);

        var html = await client.GetStringAsync("/Account/Manage");
        Assert.Contains("<html lang=\"de\"", html);
        Assert.Contains("value=\"Beispiel GmbH\"", html);
        Assert.Contains("value=\"DE\"", html);

        // Rectification (Art. 16) leaves an audit entry about the user, without the values.
        var audit = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<PromptLeo.Web.Features.Privacy.AuditLog>(factory.Services);
        var entries = await audit.QueryAsync(new PromptLeo.Web.Features.Privacy.AuditQuery(null, PromptLeo.Web.Features.Privacy.AuditActions.ProfileChanged));
        Assert.Contains(entries.Items, e => !e.Details.Contains("Beispiel"));
        Assert.True(entries.Total >= 1);
    }

    [Fact]
    public async Task Profile_InvalidCountry_IsRejected()
    {
        var client = factory.CreateBrowserLikeClient();
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, $"country.{Guid.NewGuid():N}@example.de", Password);

        var response = await FormPost.SubmitAsync(client, "/Account/Manage", "profile", new Dictionary<string, string>
        {
            ["Input.BillingCountry"] = "Germany",
            ["Input.PreferredLanguage"] = "en",
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("pl-error", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("Input.VatId", "DE12345", "format")]
    [InlineData("Input.LeitwegId", "992-90009-97", "Leitweg-ID")]
    public async Task Profile_MalformedVatIdOrLeitwegId_RejectedWithMessage(string field, string value, string messagePart)
    {
        var client = factory.CreateBrowserLikeClient();
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, $"vatid.{Guid.NewGuid():N}@example.de", Password);

        var response = await FormPost.SubmitAsync(client, "/Account/Manage", "profile", new Dictionary<string, string>
        {
            ["Input.BillingCountry"] = "DE",
            [field] = value,
            ["Input.PreferredLanguage"] = "en",
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = System.Net.WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains("pl-error", html);
        Assert.Contains(messagePart, html);
        Assert.Contains(field == "Input.VatId" ? "This VAT ID does not have its country's format" : "This Leitweg-ID is not valid", html);
    }

    [Fact]
    public async Task Profile_EInvoiceFormatAndLeitwegId_Saved()
    {
        var client = factory.CreateBrowserLikeClient();
        var email = $"einvoice.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, email, Password);

        var saved = await FormPost.SubmitAsync(client, "/Account/Manage", "profile", new Dictionary<string, string>
        {
            ["Input.BillingCountry"] = "AT",
            ["Input.VatId"] = "atu 1234 5678",
            ["Input.EInvoiceFormat"] = nameof(PromptLeo.Web.Features.Billing.EInvoiceFormat.XRechnung),
            ["Input.LeitwegId"] = "992-90009-96",
            ["Input.PreferredLanguage"] = "en",
        });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var users = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<PromptLeo.Web.Data.ApplicationUser>>(Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateScope(factory.Services).ServiceProvider);
        var user = (await users.FindByEmailAsync(email))!;
        Assert.Equal(("ATU12345678", PromptLeo.Web.Features.Billing.EInvoiceFormat.XRechnung, "992-90009-96"), (user.VatId, user.EInvoiceFormat, user.LeitwegId));
    }
}
