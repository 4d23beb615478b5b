using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Chat;
using PromptLeo.Web.Features.ApiKeys;
using PromptLeo.Web.Features.Chat;
using PromptLeo.Web.Features.Images;
using static PromptLeo.Tests.Web.AuthorizationMatrixTests.Expect;

namespace PromptLeo.Tests.Web;

/// <summary>
/// Every endpoint of the app and every routable page (<see cref="AppRoutes"/>) against
/// every kind of caller. A route missing from <see cref="Matrix"/> fails the test, so a new endpoint must state who may
/// call it. User A owns the seeded resources; user B asks for A's ids; the keys belong to A.
/// </summary>
public sealed class AuthorizationMatrixTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    public enum Expect
    {
        Ok,
        /// <summary>302 to the login page with a return URL: the cookie challenge.</summary>
        Login,
        /// <summary>Any other 302.</summary>
        Redirect,
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
    }

    private enum Caller { Anonymous, UserA, UserB, Admin, ChatKey, ImagesKey }

    private sealed record Row(string Method, string Pattern, Expect Anonymous, Expect UserA, Expect UserB, Expect Admin, Expect ChatKey, Expect ImagesKey)
    {
        /// <summary>The URL to call; placeholders {conversation}, {image} (user A's) and {guid} (nobody's) are filled in.</summary>
        public string? Path { get; init; }

        /// <summary>The verb to send for a route that accepts any (health checks, hubs, fallbacks).</summary>
        public string? SendAs { get; init; }

        public Func<HttpContent>? Body { get; init; }

        public Expect For(Caller caller) => caller switch
        {
            Caller.Anonymous => Anonymous,
            Caller.UserA => UserA,
            Caller.UserB => UserB,
            Caller.Admin => Admin,
            Caller.ChatKey => ChatKey,
            _ => ImagesKey,
        };
    }

    // Portal routes: an API key is no cookie, so keys get what anonymous visitors get.
    private static Row Portal(string method, string pattern, Expect anonymous, Expect owner, Expect? other = null, Expect? admin = null, string? path = null) =>
        new(method, pattern, anonymous, owner, other ?? owner, admin ?? other ?? owner, anonymous, anonymous) { Path = path };

    private static Row Page(string pattern, Expect anonymous, Expect signedIn, Expect? admin = null, string? path = null, Expect? other = null) =>
        Portal("GET", pattern, anonymous, signedIn, other, admin, path);

    private static Row Everyone(string method, string pattern, Expect all, string? path = null, string? sendAs = null) =>
        new(method, pattern, all, all, all, all, all, all) { Path = path, SendAs = sendAs };

    // /v1: cookies count for nothing there.
    private static Row Api(string method, string pattern, Expect chatKey, Expect imagesKey, string? path = null, Func<HttpContent>? body = null) =>
        new(method, pattern, Unauthorized, Unauthorized, Unauthorized, Unauthorized, chatKey, imagesKey) { Path = path, Body = body };

    private static readonly Row[] Matrix =
    [
        // Pages.
        Page("/", Ok, Ok),
        Page("/Error", Ok, Ok),
        Page("/not-found", Ok, Ok),
        Page("/status/{Code:int}", Ok, Ok, path: "/status/404"),
        Page("/chat", Login, Ok),
        Page("/chat/{Id:guid}", Login, Ok, path: "/chat/{conversation}", other: NotFound),
        Page("/images", Login, Ok),
        Page("/knowledge", Login, Ok),
        Page("/billing", Login, Ok),
        Page("/api-keys", Login, Ok),
        Page("/privacy", Login, Ok),
        Page("/privacy/dpa", Login, Ok),
        Page("/organization/settings", Login, Ok),
        Page("/privacy/erase", Login, Ok),
        Page("/privacy/erased/{JobId:guid}", Ok, Ok, path: "/privacy/erased/{guid}"),
        Page("/impressum", Ok, Ok),
        Page("/datenschutz", Ok, Ok),
        Page("/organization/new", Login, Ok),
        Page("/organization/members", Login, Ok),
        Page("/organization/{OrganizationId:guid}/members", Login, NotFound, path: "/organization/{guid}/members"),
        Page("/organization/audit", Login, Ok),
        Page("/organization/{OrganizationId:guid}/audit", Login, NotFound, path: "/organization/{guid}/audit"),
        Page("/organization/join", Login, NotFound),
        Page("/admin", Login, Forbidden, admin: Ok),
        Page("/admin/audit", Login, Forbidden, admin: Ok),
        Page("/admin/system", Login, Forbidden, admin: Ok),
        Page("/admin/incidents", Login, Forbidden, admin: Ok),
        Page("/admin/incidents/{Id:int}", Login, Forbidden, admin: Ok, path: "/admin/incidents/1"),
        Page("/admin/subprocessors", Login, Forbidden, admin: Ok),
        // Owners of a company organization only: everyone here acts for a personal organization.
        Page("/organization/sso", Login, Forbidden),
        Page("/Account/Login", Ok, Ok),
        Page("/Account/Register", Ok, Ok),
        Page("/Account/RegisterConfirmation", Redirect, Redirect),
        Page("/Account/ConfirmEmail", Redirect, Redirect),
        Page("/Account/ConfirmEmailChange", Redirect, Redirect),
        Page("/Account/ResendEmailConfirmation", Ok, Ok),
        Page("/Account/ForgotPassword", Ok, Ok),
        Page("/Account/ForgotPasswordConfirmation", Ok, Ok),
        Page("/Account/ResetPassword", Redirect, Redirect),
        Page("/Account/ResetPasswordConfirmation", Ok, Ok),
        Page("/Account/InvalidPasswordReset", Ok, Ok),
        Page("/Account/InvalidUser", Ok, Ok),
        Page("/Account/Lockout", Ok, Ok),
        Page("/Account/AccessDenied", Ok, Ok),
        Page("/Account/LoginWith2fa", Redirect, Redirect),
        Page("/Account/LoginWithRecoveryCode", Redirect, Redirect),
        Page("/Account/Manage", Login, Ok),
        Page("/Account/Manage/Email", Login, Ok),
        Page("/Account/Manage/ChangePassword", Login, Ok),
        Page("/Account/Manage/SetPassword", Login, Redirect),
        Page("/Account/Manage/TwoFactorAuthentication", Login, Ok),
        Page("/Account/Manage/EnableAuthenticator", Login, Ok),
        Page("/Account/Manage/ResetAuthenticator", Login, Ok),
        Page("/Account/Manage/Disable2fa", Login, Redirect),
        Page("/Account/Manage/GenerateRecoveryCodes", Login, Redirect),
        Page("/Account/Manage/PersonalData", Login, Ok),
        Page("/Account/Manage/DeletePersonalData", Login, Redirect),
        Page("/Account/Manage/Sessions", Login, Ok),

        // Portal endpoints. Posts carry no antiforgery token here: the check is that nothing runs without one.
        Portal("POST", "/Account/Logout", BadRequest, BadRequest),
        Portal("POST", "/Account/Manage/DownloadPersonalData", Login, BadRequest),
        Portal("POST", "/Account/Manage/Sessions/End", Login, BadRequest),
        Portal("POST", "/Account/Manage/Sessions/SignOutEverywhere", Login, BadRequest),
        Portal("POST", "/organization/switch", Login, BadRequest),
        Portal("POST", "/preferences/culture/{culture}", BadRequest, BadRequest, path: "/preferences/culture/de"),
        Portal("POST", "/preferences/theme/{mode}", BadRequest, BadRequest, path: "/preferences/theme/dark"),
        Portal("POST", "/privacy/subprocessor-notices/{changeId:guid}/dismiss", Login, BadRequest, path: "/privacy/subprocessor-notices/{guid}/dismiss"),
        Portal("GET", "/chat/{id:guid}/export", Unauthorized, Ok, other: NotFound, path: "/chat/{conversation}/export"),
        Portal("GET", "/images/file/{id:guid}", Login, Ok, other: NotFound, path: "/images/file/{image}"),
        Portal("GET", "/images/archive", Unauthorized, Ok, other: NotFound, path: "/images/archive?id={image}"),
        Portal("GET", "/billing/usage.csv", Unauthorized, Ok),
        Portal("GET", "/billing/invoices/{id:guid}.pdf", Login, NotFound, path: "/billing/invoices/{guid}.pdf"),
        Portal("POST", "/billing/top-up", Login, BadRequest),
        Portal("POST", "/organization/sso/start", BadRequest, BadRequest),
        // Without a finished sign-in at the provider: back to the login page with a message.
        Everyone("GET", "/organization/sso/complete", Redirect),
        Portal("GET", "/billing/payments/{id:guid}/receipt.pdf", Login, NotFound, path: "/billing/payments/{guid}/receipt.pdf"),
        // Stripe signs instead of signing in; without a configured provider the webhook does not exist.
        Everyone("POST", "/billing/stripe/webhook", NotFound),
        Portal("GET", "/billing/invoices/{id:guid}.xml", Login, NotFound, path: "/billing/invoices/{guid}.xml"),
        Portal("GET", "/billing/invoices/{id:guid}/zugferd.pdf", Login, NotFound, path: "/billing/invoices/{guid}/zugferd.pdf"),
        Portal("GET", "/privacy/exports/{id:guid}/download", Login, NotFound, path: "/privacy/exports/{guid}/download"),
        Portal("GET", "/privacy/records.pdf", Unauthorized, Ok),
        Portal("GET", "/privacy/dpa.pdf", Login, Ok),
        Portal("GET", "/admin/privacy/register.pdf", Login, Forbidden, admin: Ok),
        // Prometheus scrape: admins here; anyone on Telemetry:ManagementPort (MetricsEndpointTests).
        Portal("*", "/metrics", Login, Forbidden, admin: Ok),
        Portal("GET", "/admin/incidents/register.pdf", Unauthorized, Forbidden, admin: Ok),
        Portal("GET", "/admin/incidents/{id:int}/authority-notice.pdf", Unauthorized, Forbidden, admin: NotFound, path: "/admin/incidents/999999/authority-notice.pdf"),
        Portal("GET", "/admin/privacy/processor-register.pdf", Login, Forbidden, admin: Ok),
        Portal("GET", "/admin/privacy/dpia.pdf", Login, Forbidden, admin: Ok),
        Everyone("GET", "/privacy/erasure/{id:guid}/certificate", NotFound, path: "/privacy/erasure/{guid}/certificate?token=x"),
        Everyone("GET", "/privacy/erasure/{id:guid}/documents/{name}", NotFound, path: "/privacy/erasure/{guid}/documents/RE-2026-000001.pdf?token=x"),

        // Public documents and probes.
        Everyone("*", "/health", Ok),
        Everyone("*", "/health/ready", Ok),
        Everyone("GET", "/openapi/{documentName}.json", Ok, path: "/openapi/v1.json"),
        Everyone("GET", "/api-docs/{documentName?}", Ok, path: "/api-docs/"),
        Everyone("GET", "/api-docs/scalar.js", Ok),
        Everyone("GET", "/api-docs/scalar.aspnetcore.js", Ok),
        Everyone("GET", "/api-docs/favicon.svg", Ok),

        // Framework endpoints (Blazor circuit, static files).
        Everyone("*", "/_blazor/negotiate", Ok, path: "/_blazor/negotiate?negotiateVersion=1", sendAs: "POST"),
        Everyone("*", "/_blazor", BadRequest),
        Everyone("*", "/_blazor/disconnect/", BadRequest, sendAs: "POST"),
        Everyone("*", "/_blazor/initializers/", Ok),
        Everyone("GET", "/_framework/opaque-redirect", BadRequest),
        Everyone("GET", "{**path:file}", NotFound, path: "/no-such-file.txt"),

        // The OpenAI-compatible API.
        Api("GET", "/v1/models", Ok, Ok),
        Api("GET", "/v1/models/{id}", Ok, Ok, path: "/v1/models/" + ApiPortalFactory.ChatModel),
        Api("POST", "/v1/chat/completions", Ok, Forbidden, body: ChatBody),
        Api("POST", "/v1/embeddings", Ok, Forbidden, body: () => ChatCompletionsApiJson("""{"model":"demo-embedding","input":"hi"}""")),
        Api("POST", "/v1/images/generations", Forbidden, Ok, body: ImageBody),
        Api("POST", "/v1/images/edits", Forbidden, Ok, body: () => ImageForm(ApiPortalFactory.ImageModel, "a watercolor")),
        Api("POST", "/v1/images/background-removal", Forbidden, Ok, body: () => ImageForm("demo-background-removal", null)),
        // Knowledge collections need the knowledge scope, which neither key has (CollectionsApiTests: a key that has it).
        Api("GET", "/v1/collections/", Forbidden, Forbidden),
        Api("POST", "/v1/collections/", Forbidden, Forbidden, body: () => ChatCompletionsApiJson("""{"name":"x"}""")),
        Api("POST", "/v1/collections/search", Forbidden, Forbidden, body: () => ChatCompletionsApiJson("""{"collection_ids":[],"query":"x"}""")),
        Api("GET", "/v1/collections/{id:guid}", Forbidden, Forbidden, path: "/v1/collections/{guid}"),
        Api("POST", "/v1/collections/{id:guid}", Forbidden, Forbidden, path: "/v1/collections/{guid}", body: () => ChatCompletionsApiJson("""{"name":"x"}""")),
        Api("DELETE", "/v1/collections/{id:guid}", Forbidden, Forbidden, path: "/v1/collections/{guid}"),
        Api("GET", "/v1/collections/{id:guid}/files", Forbidden, Forbidden, path: "/v1/collections/{guid}/files"),
        Api("POST", "/v1/collections/{id:guid}/files", Forbidden, Forbidden, path: "/v1/collections/{guid}/files", body: () => new MultipartFormDataContent { { new StringContent("x"), "file", "x.txt" } }),
        Api("GET", "/v1/collections/{id:guid}/files/{fileId:guid}", Forbidden, Forbidden, path: "/v1/collections/{guid}/files/{guid}"),
        Api("DELETE", "/v1/collections/{id:guid}/files/{fileId:guid}", Forbidden, Forbidden, path: "/v1/collections/{guid}/files/{guid}"),
        Everyone("*", "/v1/{**path}", NotFound, path: "/v1/no-such-endpoint"),
    ];

    private static HttpContent ChatBody() => ChatCompletionsApiJson("""{"model":"demo-chat","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}""");

    private static HttpContent ImageBody() => ChatCompletionsApiJson("""{"model":"demo-sd-tiny","prompt":"a fox","size":"64x64","steps":1}""");

    private static HttpContent ChatCompletionsApiJson(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    private static HttpContent ImageForm(string model, string? prompt)
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(TestImages.Gradient(64, 64)), "image", "in.png" }, { new StringContent(model), "model" } };
        if (prompt is not null)
        {
            form.Add(new StringContent(prompt), "prompt");
            form.Add(new StringContent("64x64"), "size");
            form.Add(new StringContent("2"), "steps");
        }
        return form;
    }

    private static string Key(string method, string pattern) => $"{method} {pattern}";

    [Fact]
    public void Matrix_ListsEveryEndpointAndPage()
    {
        _ = factory.CreateClient();
        var listed = Matrix.Select(r => Key(r.Method, r.Pattern)).ToList();
        Assert.Equal(listed.Count, listed.Distinct().Count());

        var routes = AppRoutes.Of(factory.Services).Select(r => Key(r.Method, r.Pattern)).ToHashSet();

        var missing = routes.Except(listed).Order().ToList();
        var stale = listed.Except(routes).Order().ToList();
        Assert.True(missing.Count == 0 && stale.Count == 0,
            $"Add a row to {nameof(AuthorizationMatrixTests)}.{nameof(Matrix)} for each new route:\n  {string.Join("\n  ", missing)}\nRows for routes that no longer exist:\n  {string.Join("\n  ", stale)}");
    }

    [Fact]
    public async Task Matrix_EveryCallerGetsTheExpectedAnswer()
    {
        var a = await factory.SignedInClientAsync();
        var b = await factory.SignedInClientAsync();
        var admin = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(admin, PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);
        var clients = new Dictionary<Caller, HttpClient>
        {
            [Caller.Anonymous] = factory.CreateBrowserLikeClient(),
            [Caller.UserA] = a.Client,
            [Caller.UserB] = b.Client,
            [Caller.Admin] = admin,
            [Caller.ChatKey] = await KeyClientAsync(a.UserId, ApiScopes.Chat),
            [Caller.ImagesKey] = await KeyClientAsync(a.UserId, ApiScopes.Images),
        };
        var placeholders = new Dictionary<string, string>
        {
            ["{conversation}"] = (await ConversationAsync(a.UserId)).ToString(),
            ["{image}"] = (await ImageAsync(a.UserId)).ToString(),
            ["{guid}"] = Guid.NewGuid().ToString(),
        };

        var wrong = new List<string>();
        foreach (var row in Matrix)
        {
            var path = placeholders.Aggregate(row.Path ?? row.Pattern, (p, kv) => p.Replace(kv.Key, kv.Value));
            foreach (var caller in Enum.GetValues<Caller>())
            {
                var method = row.SendAs ?? (row.Method == "*" ? "GET" : row.Method);
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = row.Body?.Invoke() };
                using var response = await clients[caller].SendAsync(request);
                var actual = Classify(response);
                if (actual != row.For(caller).ToString())
                {
                    wrong.Add($"{row.Method} {row.Pattern} as {caller}: expected {row.For(caller)}, got {actual}");
                }
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    private static string Classify(HttpResponseMessage response) => (int)response.StatusCode switch
    {
        >= 200 and < 300 => nameof(Ok),
        302 when response.Headers.Location?.ToString() is { } to && to.Contains("Account/Login") && to.Contains("ReturnUrl") => nameof(Login),
        302 => nameof(Redirect),
        400 => nameof(BadRequest),
        401 => nameof(Unauthorized),
        403 => nameof(Forbidden),
        404 => nameof(NotFound),
        var other => other.ToString(),
    };

    private async Task<HttpClient> KeyClientAsync(string userId, string scope)
    {
        var key = await factory.CreateKeyAsync(userId, scopes: [scope]);
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Secret);
        return client;
    }

    private async Task<Guid> ConversationAsync(string userId)
    {
        var result = await ChatServiceTests.RunAsync(factory.Services.GetRequiredService<ChatService>(), new ChatTurnRequest(userId, ChatTurnKind.Send,
            new ChatSettings { ModelId = DemoModelInstaller.DemoChatModelId, MaxTokens = 2 }) { Prompt = "matrix" });
        return result.ConversationId!.Value;
    }

    private async Task<Guid> ImageAsync(string userId)
    {
        var result = await factory.Services.GetRequiredService<ImageStudioService>().GenerateAsync(userId,
            new StudioRequest { ModelId = ApiPortalFactory.ImageModel, Prompt = "matrix", Width = 64, Height = 64, Steps = 1, Seed = 1 });
        return result.Images[0].Id!.Value;
    }
}
