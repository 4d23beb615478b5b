using Microsoft.AspNetCore.Authentication;

namespace PromptLeo.Web.Features.ApiKeys;

/// <summary>The API key scheme's options: how a rejection is written is up to the API that uses the scheme.</summary>
public sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>Writes the answer to a missing, invalid or under-scoped key; by default only the status code.</summary>
    public Func<HttpContext, ApiKeyRejection, Task> OnRejected { get; set; } = (context, rejection) =>
    {
        context.Response.StatusCode = rejection.StatusCode;
        return Task.CompletedTask;
    };
}
