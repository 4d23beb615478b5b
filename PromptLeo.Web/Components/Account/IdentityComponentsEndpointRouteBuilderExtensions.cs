using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Antiforgery;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Preferences;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Sessions;
using System.Security.Claims;

namespace Microsoft.AspNetCore.Routing;

internal static class IdentityComponentsEndpointRouteBuilderExtensions
{
    // These endpoints are required by the Identity Razor components defined in the /Components/Account/Pages directory of this project.
    public static IEndpointConventionBuilder MapAdditionalIdentityEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        var accountGroup = endpoints.MapGroup("/Account");

        // Posts are validated by the antiforgery middleware (RequireAntiforgeryToken); a missing or forged token is a 400.
        accountGroup.AddEndpointFilter(RejectInvalidAntiforgeryToken);
        accountGroup.WithMetadata(new RequireAntiforgeryTokenAttribute());

        accountGroup.MapPost("/Logout", async (
            HttpContext context,
            [FromServices] SignInManager<ApplicationUser> signInManager) =>
        {
            var form = await context.Request.ReadFormAsync();
            await signInManager.SignOutAsync();
            var returnUrl = "/" + form["ReturnUrl"].ToString().TrimStart('/');
            return TypedResults.LocalRedirect(PreferencesEndpoints.SafeReturnUrl(returnUrl));
        });

        var manageGroup = accountGroup.MapGroup("/Manage").RequireAuthorization();

        // Ends one of the user's own sessions; another user's session id is simply not found.
        manageGroup.MapPost("/Sessions/End", async (
            HttpContext context,
            [FromServices] SessionStore sessions,
            [FromServices] SignInManager<ApplicationUser> signInManager,
            [FromServices] AuditLog audit) =>
        {
            // Read here, after the antiforgery filter: a [FromForm] parameter reads the form first and throws (500) on a forged post.
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            if (!Guid.TryParse(form["sessionId"], out var sessionId))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid form submission", detail: "The session id is not valid.");
            }
            var userId = context.User.FindFirstValue(ClaimTypes.NameIdentifier)!;
            if (!await sessions.RevokeAsync(userId, sessionId, context.RequestAborted))
            {
                return Results.LocalRedirect("~/Account/Manage/Sessions?result=not-found");
            }
            await audit.WriteAsync(userId, userId, AuditActions.SessionEnded, $"session {sessionId}", context.RequestAborted);
            if (SessionStore.IdOf(context.User) == sessionId)
            {
                await signInManager.SignOutAsync();
                return Results.LocalRedirect("~/Account/Login");
            }
            return Results.LocalRedirect("~/Account/Manage/Sessions?result=ended");
        });

        // Every browser of the account, this one included: a new security stamp plus all session rows deleted.
        manageGroup.MapPost("/Sessions/SignOutEverywhere", async (
            HttpContext context,
            [FromServices] UserManager<ApplicationUser> users,
            [FromServices] SessionStore sessions,
            [FromServices] SignInManager<ApplicationUser> signInManager,
            [FromServices] AuditLog audit) =>
        {
            var user = await users.GetUserAsync(context.User);
            if (user is null)
            {
                return Results.LocalRedirect("~/Account/Login");
            }
            await users.UpdateSecurityStampAsync(user);
            var ended = await sessions.RevokeAllAsync(user.Id, cancellationToken: context.RequestAborted);
            await audit.WriteAsync(user.Id, user.Id, AuditActions.SignedOutEverywhere, $"{ended} sessions", context.RequestAborted);
            await signInManager.SignOutAsync();
            return Results.LocalRedirect("~/Account/Login?signedOutEverywhere=1");
        });

        var loggerFactory = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>();
        // The template's JSON download is replaced by the Privacy Center's full export (ZIP + PDF report).
        manageGroup.MapPost("/DownloadPersonalData", () => TypedResults.Redirect("/privacy"));

        return accountGroup;
    }

    internal static async ValueTask<object?> RejectInvalidAntiforgeryToken(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.HttpContext.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false })
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid form submission",
                detail: "The form's security token is missing or invalid. Reload the page and try again.");
        }
        return await next(context);
    }
}
