using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Antiforgery;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Preferences;

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

        var loggerFactory = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>();
        // The template's JSON download is replaced by the Privacy Center's full export (ZIP + PDF report).
        manageGroup.MapPost("/DownloadPersonalData", () => TypedResults.Redirect("/privacy"));

        return accountGroup;
    }

    private static async ValueTask<object?> RejectInvalidAntiforgeryToken(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
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
