using System.Security.Claims;
using PromptLeo.Web.Features.ApiKeys;
using PromptLeo.Web.Features.Metering;

namespace PromptLeo.Web.Features.Api;

/// <summary>The authenticated key and account of a /v1 request.</summary>
public sealed record ApiCallerContext(string UserId, Guid KeyId)
{
    /// <summary>The caller as the metering service sees it.</summary>
    public InferencePrincipal Principal => new(UserId, KeyId);

    public static ApiCallerContext From(HttpContext context)
    {
        var user = context.User;
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        var keyId = user.FindFirstValue(ApiKeyAuthenticationHandler.KeyIdClaim);
        if (userId is null || !Guid.TryParse(keyId, out var key))
        {
            throw new ApiException(StatusCodes.Status401Unauthorized, "Missing API key.", "invalid_request_error", null, "invalid_api_key");
        }
        return new ApiCallerContext(userId, key);
    }
}
