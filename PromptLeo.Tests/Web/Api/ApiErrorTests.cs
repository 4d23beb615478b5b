using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.ApiKeys;
using static PromptLeo.Tests.Web.Api.ChatCompletionsApiTests;

namespace PromptLeo.Tests.Web.Api;

public abstract class ApiErrorTests<TPortal>(TPortal factory) : IClassFixture<TPortal>
    where TPortal : ApiPortalFactory
{
    private static object Chat(int maxTokens = 4) => new { model = ApiPortalFactory.ChatModel, max_tokens = maxTokens, messages = new[] { new { role = "user", content = "hi" } } };

    private static async Task<JsonElement> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string? param = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.Contains("X-Request-Id"));
        Assert.True(response.Headers.Contains("X-Processing-Region"));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = doc.RootElement.GetProperty("error").Clone();
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        Assert.True(error.TryGetProperty("code", out _));
        if (param is not null)
        {
            Assert.Equal(param, error.GetProperty("param").GetString());
        }
        return error;
    }

    [Fact]
    public async Task MalformedJson_Returns400()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/chat/completions", new StringContent("{\"model\": \"demo-chat\", \"messages\": [", Encoding.UTF8, "application/json"));
        var error = await AssertErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task WrongTypedField_Returns400NamingTheField()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/chat/completions", Json(new { model = ApiPortalFactory.ChatModel, temperature = "hot", messages = new[] { new { role = "user", content = "hi" } } }));
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "temperature");
    }

    [Fact]
    public async Task EngineValidation_Returns400NamingTheField()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/chat/completions", Json(new { model = ApiPortalFactory.ChatModel, top_p = 7.5, messages = new[] { new { role = "user", content = "hi" } } }));
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "top_p");
    }

    [Fact]
    public async Task UnknownModel_Returns404()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/chat/completions", Json(new { model = "no-such-model", messages = new[] { new { role = "user", content = "hi" } } }));
        var error = await AssertErrorAsync(response, HttpStatusCode.NotFound, "model");
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task MissingKey_Returns401()
    {
        var response = await factory.CreateClient().PostAsync("/v1/chat/completions", Json(Chat()));
        await AssertErrorAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task WrongSecret_Returns401()
    {
        var (_, _, key) = await factory.CreateApiClientAsync();
        var response = await factory.ClientWithKey(key.Secret[..^2] + "xx").GetAsync("/v1/models");
        await AssertErrorAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task RevokedKey_Returns401Immediately()
    {
        var (client, userId, key) = await factory.CreateApiClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/models")).StatusCode);
        Assert.True(await factory.Services.GetRequiredService<ApiKeyService>().RevokeAsync(userId, key.Key.Id));
        await AssertErrorAsync(await client.GetAsync("/v1/models"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ExpiredKey_Returns401()
    {
        var userId = await factory.CreateUserAsync();
        var key = await factory.CreateKeyAsync(userId, expiresAt: DateTimeOffset.UtcNow.AddSeconds(-1));
        await AssertErrorAsync(await factory.ClientWithKey(key.Secret).GetAsync("/v1/models"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SignInLockedAccount_KeyKeepsWorking_DisabledAccount_Returns401Immediately()
    {
        // Issue 11: a portal sign-in lockout (someone else's wrong guesses) must not switch off the customer's API.
        var (client, userId, _) = await factory.CreateApiClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/models")).StatusCode);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            await users.SetLockoutEndDateAsync((await users.FindByIdAsync(userId))!, DateTimeOffset.UtcNow.AddDays(1));
        }
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/models")).StatusCode);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = (await users.FindByIdAsync(userId))!;
            user.DisabledAt = DateTimeOffset.UtcNow;
            await users.UpdateAsync(user);
        }
        await AssertErrorAsync(await client.GetAsync("/v1/models"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task KeyWithoutImagesScope_Returns403()
    {
        var userId = await factory.CreateUserAsync();
        var key = await factory.CreateKeyAsync(userId, scopes: [ApiScopes.Chat]);
        var response = await factory.ClientWithKey(key.Secret).PostAsync("/v1/images/generations", Json(new { prompt = "x", size = "64x64" }));
        await AssertErrorAsync(response, HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData(0, "64x64", "n")]
    [InlineData(9, "64x64", "n")]
    [InlineData(1, "4096x4096", "size")]
    [InlineData(1, "60x64", "size")]
    [InlineData(1, "big", "size")]
    public async Task ImageCountOrSizeOutOfRange_Returns400(int n, string size, string param)
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/images/generations", Json(new { model = ApiPortalFactory.ImageModel, prompt = "a fox", n, size, steps = 2 }));
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, param);
    }

    [Fact]
    public async Task BudgetExhausted_Returns402()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        await factory.SetBudgetAsync(userId, 0m);
        var error = await AssertErrorAsync(await client.PostAsync("/v1/chat/completions", Json(Chat())), HttpStatusCode.PaymentRequired);
        Assert.Equal("insufficient_quota", error.GetProperty("type").GetString());
        Assert.Empty(await factory.UsageEventsAsync(userId));
    }

    [Fact]
    public async Task OversizeBody_Returns413()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var content = new string('a', 2 * 1024 * 1024);
        var response = await client.PostAsync("/v1/chat/completions", Json(new { model = ApiPortalFactory.ChatModel, messages = new[] { new { role = "user", content } } }));
        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task NotJsonContentType_Returns400()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/chat/completions", new StringContent("hello", Encoding.UTF8, "text/plain"));
        await AssertErrorAsync(response, HttpStatusCode.BadRequest);
    }
}

public sealed class ApiErrorTests(ApiPortalFactory factory) : ApiErrorTests<ApiPortalFactory>(factory);

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class ApiErrorPostgresTests(PostgresApiPortal factory) : ApiErrorTests<PostgresApiPortal>(factory);

/// <summary>A portal with a low per-key limit, so the limiter can be hit in a test.</summary>
public sealed class RateLimitedPortalFactory : ApiPortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Inference:CreateDemoModels"] = "true",
        ["Api:RequestsPerMinutePerKey"] = "3",
    };
}

public sealed class ApiRateLimitTests(RateLimitedPortalFactory factory) : IClassFixture<RateLimitedPortalFactory>
{
    [Fact]
    public async Task TooManyRequests_Returns429WithRetryAfter()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/models")).StatusCode);
        }
        var limited = await client.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        using var doc = JsonDocument.Parse(await limited.Content.ReadAsStringAsync());
        Assert.Equal("rate_limit_error", doc.RootElement.GetProperty("error").GetProperty("type").GetString());

        // Another key of another account has its own window.
        var (other, _, _) = await factory.CreateApiClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/v1/models")).StatusCode);
    }
}
