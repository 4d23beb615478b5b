using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Portal;
using PromptLeo.Web.Resources;

namespace PromptLeo.Tests.Web;

public sealed class HostilePortalInputTests(LoggingApiPortalFactory factory) : IClassFixture<LoggingApiPortalFactory>
{
    private const string Password = "Api-Passw0rd!";

    [Theory]
    [InlineData("/Account/Login", "en", "The form could not be accepted")]
    [InlineData("/Account/Register", "de", "Das Formular konnte nicht angenommen werden")]
    public async Task FormPost_WithoutAntiforgeryToken_400WithAMessageNotABlankPage(string path, string language, string expected)
    {
        var client = factory.CreateBrowserLikeClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        var response = await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["Input.Email"] = "someone@example.de",
            ["Input.Password"] = "whatever-123",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains(expected, body);
        Assert.DoesNotContain("Exception", body);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("javascript:alert(1)")]
    public async Task Login_ExternalReturnUrl_SignsInAndStaysOnSite(string returnUrl)
    {
        var email = $"hostile-{Guid.NewGuid():N}@promptleo.test";
        await factory.CreateUserAsync(email);
        var client = factory.CreateBrowserLikeClient();
        var url = "/Account/Login?ReturnUrl=" + Uri.EscapeDataString(returnUrl);
        var response = await FormPost.SubmitAsync(client, url, "login", new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = Password });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.True(!location.IsAbsoluteUri || location.Host == "localhost", $"Redirected to {location}");
        Assert.DoesNotContain("evil", location.ToString());
        factory.AssertNoErrorLogged();
    }

    [Theory]
    [InlineData("9999", "12")]
    [InlineData("0", "1")]
    [InlineData("10000", "1")]
    [InlineData("-5", "3")]
    [InlineData("2026", "13")]
    [InlineData("2026", "0")]
    public async Task UsageCsv_OutOfRangeYearOrMonth_Returns400(string year, string month)
    {
        var (client, _, _) = await factory.SignedInClientAsync();
        var response = await client.GetAsync($"/billing/usage.csv?year={year}&month={month}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("month 1 to 12", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/billing/usage.csv?year=9998&month=12")).StatusCode);
        factory.AssertNoErrorLogged();
    }

    [Theory]
    [InlineData("9999-12-01", "9999-12-31")]
    [InlineData("2026-02-30", "")]
    [InlineData("x", "")]
    public async Task RecordsPdf_ImpossiblePeriod_Returns400(string from, string to)
    {
        var (client, _, _) = await factory.SignedInClientAsync();
        var response = await client.GetAsync($"/privacy/records.pdf?from={from}&to={to}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("2026-11-01", await response.Content.ReadAsStringAsync());
        factory.AssertNoErrorLogged();
    }

    [Fact]
    public async Task ConfirmEmail_MangledCode_ShowsErrorInsteadOf500()
    {
        var userId = await factory.CreateUserAsync();
        var response = await factory.CreateBrowserLikeClient().GetAsync($"/Account/ConfirmEmail?userId={userId}&code=%25%25not-base64!");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Error confirming your email.", await response.Content.ReadAsStringAsync());
        factory.AssertNoErrorLogged();
    }

    [Fact]
    public async Task ResetPassword_MangledCode_RedirectsToInvalidLinkPage()
    {
        var response = await factory.CreateBrowserLikeClient().GetAsync("/Account/ResetPassword?code=a");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("Account/InvalidPasswordReset", response.Headers.Location!.ToString());
        factory.AssertNoErrorLogged();
    }

    [Theory]
    [InlineData("/Account/LoginWith2fa?rememberMe=maybe")]
    [InlineData("/Account/LoginWith2fa")]
    [InlineData("/Account/LoginWithRecoveryCode?returnUrl=%2F")]
    public async Task SecondFactorPages_WithoutPendingSignIn_RedirectToLogin(string url)
    {
        var response = await factory.CreateBrowserLikeClient().GetAsync(url);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("Account/Login", response.Headers.Location!.ToString());
        factory.AssertNoErrorLogged();
    }

    [Theory]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"Input.Email\"\r\n\r\na@b.de")]
    [InlineData("multipart/form-data", "no boundary")]
    [InlineData("application/x-www-form-urlencoded", "%%%=%FF&a")]
    public async Task PortalForm_MalformedBody_Returns400(string contentType, string body)
    {
        var client = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Account/Login")).StatusCode);
        var content = new StringContent(body);
        content.Headers.Remove("Content-Type");
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        var response = await client.PostAsync("/Account/Login", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        factory.AssertNoErrorLogged();
    }

    [Theory]
    [InlineData("/Account/Manage/Sessions/End")]
    [InlineData("/Account/Manage/Sessions/SignOutEverywhere")]
    [InlineData("/Account/Manage/DownloadPersonalData")]
    [InlineData("/Account/Logout")]
    public async Task AccountPost_WithoutAntiforgeryToken_Returns400(string url)
    {
        var (client, _, _) = await factory.SignedInClientAsync();
        var response = await client.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string> { ["sessionId"] = Guid.NewGuid().ToString() }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("security token", await response.Content.ReadAsStringAsync());
        factory.AssertNoErrorLogged();
    }

    public static TheoryData<Exception, int> ClientMistakes => new()
    {
        { new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge), 413 },
        { new BadHttpRequestException("Unexpected end of request content.", StatusCodes.Status400BadRequest), 400 },
        { new BadHttpRequestException("Reading the request body timed out.", StatusCodes.Status408RequestTimeout), 408 },
        { new InvalidDataException("Multipart boundary length limit 70 exceeded."), 400 },
    };

    [Theory]
    [MemberData(nameof(ClientMistakes))]
    public async Task ClientErrorHandler_ClientMistake_Answers4xxProblem(Exception exception, int status)
    {
        var handler = new ClientErrorHandler(new StringLocalizer<SharedResource>(factory.Services.GetService(typeof(IStringLocalizerFactory)) as IStringLocalizerFactory
            ?? throw new InvalidOperationException()), NullLogger<ClientErrorHandler>.Instance);
        var context = new DefaultHttpContext { RequestServices = factory.Services };
        context.Response.Body = new MemoryStream();
        Assert.True(await handler.TryHandleAsync(context, exception, CancellationToken.None));
        Assert.Equal(status, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.Contains("\"title\":\"Bad request\"", body);
        Assert.DoesNotContain("Exception", body);
    }

    [Fact]
    public async Task ClientErrorHandler_ServerFault_IsLeftToTheErrorPage()
    {
        var handler = new ClientErrorHandler(null!, NullLogger<ClientErrorHandler>.Instance);
        Assert.False(await handler.TryHandleAsync(new DefaultHttpContext(), new InvalidOperationException("bug"), CancellationToken.None));
        Assert.False(await handler.TryHandleAsync(new DefaultHttpContext(), new IOException("disk full"), CancellationToken.None));
    }
}
