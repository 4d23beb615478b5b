using System.Net;

namespace PromptLeo.Tests.Fixtures;

/// <summary>Account steps over plain HTTP, as a browser without JavaScript would do them.</summary>
public static class PortalSession
{
    public static Task<HttpResponseMessage> RegisterAsync(HttpClient client, string email, string password, string? confirm = null) =>
        FormPost.SubmitAsync(client, "/Account/Register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = confirm ?? password,
        });

    public static Task<HttpResponseMessage> LoginAsync(HttpClient client, string email, string password) =>
        FormPost.SubmitAsync(client, "/Account/Login", "login", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });

    /// <summary>Registers, follows the confirmation link from the pickup folder, and logs in.</summary>
    public static async Task RegisterConfirmAndLoginAsync(PortalFactory factory, HttpClient client, string email, string password)
    {
        var registered = await RegisterAsync(client, email, password);
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        var mail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, email);
        var link = new Uri(MailPickup.FirstLink(mail));
        var confirmed = await client.GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var login = await LoginAsync(client, email, password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.DoesNotContain("Login", login.Headers.Location?.ToString() ?? "");
    }
}
