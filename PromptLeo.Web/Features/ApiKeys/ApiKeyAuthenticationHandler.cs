using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Api;

namespace PromptLeo.Web.Features.ApiKeys;

/// <summary>Bearer authentication with PromptLeo API keys for <c>/v1</c>; failures answer with an OpenAI error object.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyService keys,
    InvalidApiKeyThrottle invalidKeys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string KeyIdClaim = "api_key_id";
    public const string ScopeClaim = "scope";
    private const string ThrottledItem = "pl:invalid-key-wait";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        var caller = await keys.VerifyAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (caller is null)
        {
            if (invalidKeys.RecordInvalid(Context.Connection.RemoteIpAddress) is { } wait)
            {
                Context.Items[ThrottledItem] = wait;
            }
            return AuthenticateResult.Fail("Invalid API key.");
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, caller.UserId),
            new(KeyIdClaim, caller.KeyId.ToString()),
        };
        claims.AddRange(caller.Scopes.Select(s => new Claim(ScopeClaim, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[ThrottledItem] is TimeSpan wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return OpenAiErrors.WriteAsync(Context, StatusCodes.Status429TooManyRequests,
                $"Too many invalid API keys from this address. Try again in {seconds} seconds.", "rate_limit_error", null, "too_many_invalid_keys");
        }
        var message = Request.Headers.Authorization.Count == 0
            ? "Missing API key. Send it as 'Authorization: Bearer pl_...'."
            : "Invalid, revoked or expired API key, or the account is disabled.";
        return OpenAiErrors.WriteAsync(Context, StatusCodes.Status401Unauthorized, message, "invalid_request_error", null, "invalid_api_key");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        OpenAiErrors.WriteAsync(Context, StatusCodes.Status403Forbidden, "This API key lacks the scope for this endpoint.", "permission_error", null, "insufficient_scope");
}
