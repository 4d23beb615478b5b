using Microsoft.AspNetCore.Diagnostics;

namespace PromptLeo.Web.Features.Api;

/// <summary>
/// Keeps /v1 answers OpenAI-shaped when something fails outside the endpoint filter (authentication, routing, the
/// server's own body checks): exceptions become error objects, bare status codes get a body, the portal's HTML status
/// pages stay out of the way.
/// </summary>
public sealed class ApiErrorBoundary(RequestDelegate next)
{
    public static bool IsApiPath(PathString path) => path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase);

    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsApiPath(context.Request.Path))
        {
            await next(context);
            return;
        }
        if (context.Features.Get<IStatusCodePagesFeature>() is { } statusPages)
        {
            statusPages.Enabled = false;
        }
        try
        {
            await next(context);
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            return;
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await OpenAiErrors.WriteErrorAsync(context, ex);
            return;
        }
        if (!context.Response.HasStarted && context.Response.StatusCode >= 400 && context.Response.ContentLength is null && context.Response.ContentType is null)
        {
            var status = context.Response.StatusCode;
            await OpenAiErrors.WriteAsync(context, status, $"The request failed with status {status}.", status >= 500 ? "server_error" : "invalid_request_error", null, null);
        }
    }
}
