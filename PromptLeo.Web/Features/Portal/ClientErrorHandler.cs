using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Localization;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Portal;

/// <summary>
/// Requests that break inside the framework (body over the limit, body shorter than declared, malformed form or
/// multipart) are the client's mistake: a 4xx problem with a clear message, logged at Information, never a 500.
/// Handled by an <see cref="IExceptionHandler"/>, so the exception handler middleware records no error for them.
/// </summary>
public sealed class ClientErrorHandler(IStringLocalizer<SharedResource> L, ILogger<ClientErrorHandler> logger) : IExceptionHandler
{
    public static int? StatusFor(Exception ex) => ex switch
    {
        BadHttpRequestException bad when bad.StatusCode is >= 400 and < 500 => bad.StatusCode,
        BadHttpRequestException => StatusCodes.Status400BadRequest,
        InvalidDataException or AntiforgeryValidationException => StatusCodes.Status400BadRequest,
        // The form and multipart readers throw a plain IOException for a body that ends inside a part.
        IOException when ex.TargetSite?.DeclaringType?.Namespace?.StartsWith("Microsoft.AspNetCore.WebUtilities", StringComparison.Ordinal) == true => StatusCodes.Status400BadRequest,
        _ => null,
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (StatusFor(exception) is not { } status || context.Response.HasStarted)
        {
            return false;
        }
        logger.LogInformation("Rejected a malformed request to {Path} with {Status} ({Reason})", context.Request.Path.Value, status, exception.GetType().Name);
        var detail = status switch
        {
            StatusCodes.Status413PayloadTooLarge => L["The request is larger than the server accepts."],
            StatusCodes.Status408RequestTimeout => L["The request arrived too slowly."],
            _ => L["The request was incomplete or malformed and could not be read."],
        };
        await TypedResults.Problem(statusCode: status, title: L["Bad request"], detail: detail).ExecuteAsync(context);
        return true;
    }
}
