using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace PromptLeo.Web.Features.ApiKeys;

/// <summary>
/// Bearer authentication with PromptLeo API keys for <c>/v1</c>. A rejection is reported through
/// <see cref="ApiKeyAuthenticationOptions.OnRejected"/>; the API shapes it as its own error object.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<ApiKeyAuthenticationOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyService keys,
    InvalidApiKeyThrottle invalidKeys) : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, loggerFactory, encoder)
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
            return Options.OnRejected(Context, new ApiKeyRejection(StatusCodes.Status429TooManyRequests,
                $"Too many invalid API keys from this address. Try again in {seconds} seconds.", "too_many_invalid_keys"));
        }
        var message = Request.Headers.Authorization.Count == 0
            ? "Missing API key. Send it as 'Authorization: Bearer pl_...'."
            : "Invalid, revoked or expired API key, or the account is disabled.";
        return Options.OnRejected(Context, new ApiKeyRejection(StatusCodes.Status401Unauthorized, message, "invalid_api_key"));
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Options.OnRejected(Context, new ApiKeyRejection(StatusCodes.Status403Forbidden, "This API key lacks the scope for this endpoint.", "insufficient_scope"));
}
