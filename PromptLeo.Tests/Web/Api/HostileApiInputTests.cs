using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PromptLeo.Tests.Fixtures;
using static PromptLeo.Tests.Web.Api.ChatCompletionsApiTests;

namespace PromptLeo.Tests.Web.Api;

public sealed class HostileApiInputTests(LoggingApiPortalFactory factory) : IClassFixture<LoggingApiPortalFactory>
{
    private const string BackgroundModel = "demo-background-removal";

    private static async Task<JsonElement> AssertOpenAiErrorAsync(HttpResponseMessage response, HttpStatusCode status, string? code = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.Contains("X-Request-Id"));
        using var doc = JsonDocument.Parse(body);
        var error = doc.RootElement.GetProperty("error").Clone();
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        if (code is not null)
        {
            Assert.Equal(code, error.GetProperty("code").GetString());
        }
        return error;
    }

    private static ByteArrayContent RawJson(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public static TheoryData<string> InvalidUnicodeBodies => new()
    {
        """{"model":"demo-chat","max_tokens":2,"messages":[{"role":"user","content":"\ud800"}]}""",
        """{"model":"demo-chat","max_tokens":2,"messages":[{"role":"user","content":"a\udc00b"}]}""",
        """{"model":"demo-chat","max_tokens":2,"messages":[{"role":"user","content":"hi","\ud800":1}]}""",
        """{"model":"\ud83d","messages":[]}""",
    };

    [Theory]
    [MemberData(nameof(InvalidUnicodeBodies))]
    public async Task ChatCompletions_UnpairedSurrogateEscape_Returns400(string body)
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var error = await AssertOpenAiErrorAsync(await client.PostAsync("/v1/chat/completions", RawJson(Encoding.UTF8.GetBytes(body))), HttpStatusCode.BadRequest, "invalid_json");
        Assert.Contains("Unicode", error.GetProperty("message").GetString());
        factory.AssertNoErrorLogged();
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE })]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    public async Task ChatCompletions_InvalidUtf8InString_Returns400(byte[] bad)
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var body = Encoding.UTF8.GetBytes("""{"model":"demo-chat","max_tokens":2,"messages":[{"role":"user","content":"x""")
            .Concat(bad).Concat(Encoding.UTF8.GetBytes("\"}]}")).ToArray();
        var response = await client.PostAsync("/v1/chat/completions", RawJson(body));
        await AssertOpenAiErrorAsync(response, HttpStatusCode.BadRequest, "invalid_json");
        factory.AssertNoErrorLogged();
    }

    [Theory]
    [InlineData("temperature", "1e999")]
    [InlineData("top_p", "-1e400")]
    [InlineData("max_tokens", "1e30")]
    [InlineData("seed", "123456789012345678901234567890")]
    public async Task ChatCompletions_NumberOutOfRange_Returns400NamingTheField(string field, string value)
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        var body = $$"""{"model":"demo-chat","max_tokens":2,"messages":[{"role":"user","content":"hi"}],"{{field}}":{{value}}}""";
        body = body.Replace("\"max_tokens\":2,", field == "max_tokens" ? "" : "\"max_tokens\":2,");
        var error = await AssertOpenAiErrorAsync(await client.PostAsync("/v1/chat/completions", RawJson(Encoding.UTF8.GetBytes(body))), HttpStatusCode.BadRequest);
        Assert.Equal(field, error.GetProperty("param").GetString());
        Assert.Empty(await factory.UsageEventsAsync(userId));
        factory.AssertNoErrorLogged();
    }

    [Fact]
    public async Task ChatCompletions_DeepNesting_Returns400()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var body = "{\"model\":\"demo-chat\",\"messages\":" + new string('[', 5000) + new string(']', 5000) + "}";
        await AssertOpenAiErrorAsync(await client.PostAsync("/v1/chat/completions", RawJson(Encoding.UTF8.GetBytes(body))), HttpStatusCode.BadRequest, "invalid_json");
        factory.AssertNoErrorLogged();
    }

    public static TheoryData<string, string> MalformedMultipart => new()
    {
        // Content type, body.
        { "multipart/form-data", "--x\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nhi\r\n--x--\r\n" },
        { "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\n\u0089PNG" },
        { "multipart/form-data; boundary=x", "garbage without any boundary at all" },
        { "multipart/form-data; boundary=" + new string('b', 200), "--b\r\n\r\n" },
        { "multipart/form-data; boundary=x", "--x\r\n" + new string('H', 20_000) + "\r\n\r\nvalue\r\n--x--\r\n" },
    };

    [Theory]
    [MemberData(nameof(MalformedMultipart))]
    public async Task ImageEdits_MalformedMultipart_Returns400(string contentType, string body)
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        foreach (var path in new[] { "/v1/images/edits", "/v1/images/background-removal" })
        {
            var content = new ByteArrayContent(Encoding.Latin1.GetBytes(body));
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            var response = await client.PostAsync(path, content);
            Assert.InRange((int)response.StatusCode, 400, 499);
            await AssertOpenAiErrorAsync(response, response.StatusCode);
        }
        Assert.Empty(await factory.UsageEventsAsync(userId));
        factory.AssertNoErrorLogged();
    }

    [Theory]
    [InlineData("GET", "/v1/nothing-here")]
    [InlineData("POST", "/v1/completions")]
    [InlineData("GET", "/v1/chat/completions")]
    [InlineData("DELETE", "/v1/models")]
    [InlineData("GET", "/v1")]
    public async Task UnknownRoute_ReturnsOpenAiJsonNotPortalHtml(string method, string path)
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        foreach (var sender in new[] { client, factory.CreateClient() })
        {
            var response = await sender.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            var error = await AssertOpenAiErrorAsync(response, HttpStatusCode.NotFound, "unknown_url");
            Assert.Contains(path, error.GetProperty("message").GetString());
        }
    }

    [Fact]
    public async Task GetModel_Installed_ReturnsModelObject()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var response = await client.GetAsync($"/v1/models/{ApiPortalFactory.ImageModel}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(ApiPortalFactory.ImageModel, doc.RootElement.GetProperty("id").GetString());
        Assert.Equal("model", doc.RootElement.GetProperty("object").GetString());
        Assert.Equal("image", doc.RootElement.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task GetModel_Unknown_Returns404ModelNotFound()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var error = await AssertOpenAiErrorAsync(await client.GetAsync("/v1/models/no-such-model"), HttpStatusCode.NotFound, "model_not_found");
        Assert.Equal("model", error.GetProperty("param").GetString());
        await AssertOpenAiErrorAsync(await factory.CreateClient().GetAsync("/v1/models/no-such-model"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task WrongModelKind_Returns400SayingSo_AndWritesNoUsage()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        var chat = await client.PostAsync("/v1/chat/completions", Json(new { model = ApiPortalFactory.ImageModel, max_tokens = 2, messages = new[] { new { role = "user", content = "hi" } } }));
        var error = await AssertOpenAiErrorAsync(chat, HttpStatusCode.BadRequest, "wrong_model_kind");
        Assert.Equal($"The model '{ApiPortalFactory.ImageModel}' is an image model; /v1/chat/completions needs a chat model.", error.GetProperty("message").GetString());

        var image = await client.PostAsync("/v1/images/generations", Json(new { model = ApiPortalFactory.ChatModel, prompt = "a fox", size = "64x64", steps = 1 }));
        Assert.Contains("is a chat model", (await AssertOpenAiErrorAsync(image, HttpStatusCode.BadRequest, "wrong_model_kind")).GetProperty("message").GetString());

        var form = new MultipartFormDataContent { { new ByteArrayContent(TestImages.Gradient(64, 64)), "image", "in.png" }, { new StringContent(ApiPortalFactory.ImageModel), "model" } };
        var cutout = await client.PostAsync("/v1/images/background-removal", form);
        Assert.Contains("needs a background-removal model", (await AssertOpenAiErrorAsync(cutout, HttpStatusCode.BadRequest, "wrong_model_kind")).GetProperty("message").GetString());

        var edit = new MultipartFormDataContent { { new ByteArrayContent(TestImages.Gradient(64, 64)), "image", "in.png" }, { new StringContent(BackgroundModel), "model" }, { new StringContent("x"), "prompt" } };
        Assert.Contains("is a background-removal model", (await AssertOpenAiErrorAsync(await client.PostAsync("/v1/images/edits", edit), HttpStatusCode.BadRequest, "wrong_model_kind")).GetProperty("message").GetString());

        Assert.Empty(await factory.UsageEventsAsync(userId));
        factory.AssertNoErrorLogged();
    }

    [Fact]
    public async Task RejectedBeforeInference_WritesNoUsageRow()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        var messages = new[] { new { role = "user", content = "hi" } };
        var rejected = new (string Path, object Body, HttpStatusCode Status)[]
        {
            ("/v1/chat/completions", new { model = ApiPortalFactory.ChatModel, temperature = "hot", messages }, HttpStatusCode.BadRequest),
            // Validated by the engine, after the budget was reserved.
            ("/v1/chat/completions", new { model = ApiPortalFactory.ChatModel, top_p = 7.5, messages }, HttpStatusCode.BadRequest),
            ("/v1/chat/completions", new { model = "no-such-model", messages }, HttpStatusCode.NotFound),
            ("/v1/chat/completions", new { model = ApiPortalFactory.ImageModel, messages }, HttpStatusCode.BadRequest),
            ("/v1/images/generations", new { model = ApiPortalFactory.ImageModel, prompt = "a fox", size = "64x64", steps = 1, guidance_scale = -5 }, HttpStatusCode.BadRequest),
            ("/v1/images/generations", new { model = ApiPortalFactory.ImageModel, prompt = "a fox", size = "9x9" }, HttpStatusCode.BadRequest),
            ("/v1/images/generations", new { model = "no-such-model", prompt = "a fox" }, HttpStatusCode.NotFound),
        };
        foreach (var (path, body, status) in rejected)
        {
            await AssertOpenAiErrorAsync(await client.PostAsync(path, Json(body)), status);
        }
        Assert.Empty(await factory.UsageEventsAsync(userId));
        factory.AssertNoErrorLogged();

        // The same account is metered as soon as something ran.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Json(new { model = ApiPortalFactory.ChatModel, max_tokens = 2, messages }))).StatusCode);
        Assert.Single(await factory.UsageEventsAsync(userId));
    }
}

public sealed class ApiErrorBoundaryTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private async Task<(int Status, string Body)> RunAsync(string path, RequestDelegate next)
    {
        _ = factory.CreateClient();
        var context = new DefaultHttpContext { RequestServices = factory.Services };
        context.Request.Path = path;
        context.Response.Body = new MemoryStream();
        await new PromptLeo.Web.Features.Api.ApiErrorBoundary(next).InvokeAsync(context);
        context.Response.Body.Position = 0;
        return (context.Response.StatusCode, await new StreamReader(context.Response.Body).ReadToEndAsync());
    }

    private static RequestDelegate BareStatus(int status) => context =>
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    };

    [Fact]
    public async Task ExceptionOutsideTheEndpoint_BecomesOpenAiError()
    {
        var (status, body) = await RunAsync("/v1/models", _ => throw new BadHttpRequestException("Request body too large.", 413));
        Assert.Equal(413, status);
        Assert.Contains("\"code\":\"request_too_large\"", body);
    }

    [Fact]
    public async Task BareStatusCode_GetsAnOpenAiErrorBody()
    {
        var (status, body) = await RunAsync("/v1/models", BareStatus(415));
        Assert.Equal(415, status);
        Assert.Contains("\"error\":{\"message\":\"The request failed with status 415.\"", body);
    }

    [Fact]
    public async Task PortalPath_IsLeftAlone()
    {
        var (status, body) = await RunAsync("/billing", BareStatus(415));
        Assert.Equal(415, status);
        Assert.Equal("", body);
    }
}
