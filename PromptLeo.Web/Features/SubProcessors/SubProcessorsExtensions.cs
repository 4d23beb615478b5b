using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using PromptLeo.Web.Features.Preferences;

namespace PromptLeo.Web.Features.SubProcessors;

public static class SubProcessorsExtensions
{
    /// <summary>Admin-managed sub-processors with announced changes, customer notices and objections (Art. 28(2)/(4)).</summary>
    public static IHostApplicationBuilder AddPromptLeoSubProcessors(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<SubProcessorRegistry>();
        services.AddSingleton<Privacy.ISubProcessorSource>(sp => sp.GetRequiredService<SubProcessorRegistry>());
        services.AddSingleton(new Privacy.DpaPageSection(typeof(SubProcessorChangesPanel)));
        services.AddHostedService<SubProcessorSeeding>();
        services.AddSingleton<SubProcessorChanges>();
        services.AddSingleton<Privacy.IExportContributor, SubProcessorExportContributor>();
        services.AddSingleton<Privacy.IErasureParticipant, SubProcessorErasureParticipant>();
        return builder;
    }

    /// <summary>The banner's dismiss button: a plain form post from the layout, so it works on static and interactive pages.</summary>
    public static IEndpointRouteBuilder MapPromptLeoSubProcessors(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/privacy/subprocessor-notices/{changeId:guid}/dismiss", async (Guid changeId, ClaimsPrincipal user, HttpContext http, SubProcessorChanges changes) =>
        {
            var returnUrl = http.Request.HasFormContentType ? (await http.Request.ReadFormAsync(http.RequestAborted))["returnUrl"].ToString() : null;
            if (!await changes.DismissAsync(user.FindFirstValue(ClaimTypes.NameIdentifier)!, changeId, http.RequestAborted))
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such notice", detail: "You have no notice for this sub-processor change.");
            }
            return Results.LocalRedirect(PreferencesEndpoints.SafeReturnUrl(returnUrl));
        })
            .RequireAuthorization()
            .ExcludeFromDescription()
            .WithMetadata(new RequireAntiforgeryTokenAttribute())
            .AddEndpointFilter(IdentityComponentsEndpointRouteBuilderExtensions.RejectInvalidAntiforgeryToken);
        return endpoints;
    }
}
