using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.Hosting;

namespace PromptLeo.Web.Features.Breaches;

public static class BreachesExtensions
{
    /// <summary>The breach register (Art. 33/34): incidents, the 72-hour clock, authority notification and user notices.</summary>
    public static IHostApplicationBuilder AddPromptLeoBreaches(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BreachRegister>();
        builder.Services.AddSingleton<BreachDocuments>();
        return builder;
    }

    /// <summary>The breach PDFs for admins; <c>lang</c> is "de" or "en" (default: the UI language).</summary>
    public static IEndpointRouteBuilder MapPromptLeoBreaches(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/admin/incidents").RequireAuthorization(Roles.Admin);

        admin.MapGet("/{id:int}/authority-notice.pdf", async Task<Results<FileContentHttpResult, ProblemHttpResult>> (int id, string? lang, ClaimsPrincipal user, HttpContext context, BreachRegister register, BreachDocuments documents, CancellationToken ct) =>
        {
            if (Language(lang) is not { } language)
            {
                return BadLanguage();
            }
            if (await register.FindAsync(id, ct) is not { } incident)
            {
                return TypedResults.Problem($"There is no incident {id}.", statusCode: StatusCodes.Status404NotFound);
            }
            await register.AuditDownloadAsync(ActorId(user), $"incident {id}; authority notice; {language}", ct);
            context.Response.NoStore();
            return TypedResults.File(documents.AuthorityNotice(incident, language), "application/pdf", $"{BreachTexts.Reference(incident).ToLowerInvariant()}-art33-{language}.pdf");
        });

        admin.MapGet("/register.pdf", async Task<Results<FileContentHttpResult, ProblemHttpResult>> (string? lang, ClaimsPrincipal user, HttpContext context, BreachRegister register, BreachDocuments documents, CancellationToken ct) =>
        {
            if (Language(lang) is not { } language)
            {
                return BadLanguage();
            }
            var incidents = await register.ListAsync(ct);
            await register.AuditDownloadAsync(ActorId(user), $"register; {incidents.Count} incidents; {language}", ct);
            context.Response.NoStore();
            return TypedResults.File(documents.Register(incidents, language), "application/pdf", $"breach-register-{language}.pdf");
        });

        return endpoints;
    }

    private static string? Language(string? lang) => lang switch
    {
        null or "" => Reports.ReportText.Current.Language,
        "de" or "en" => lang,
        _ => null,
    };

    private static ProblemHttpResult BadLanguage() => TypedResults.Problem("lang must be \"de\" or \"en\".", statusCode: StatusCodes.Status400BadRequest);

    private static string ActorId(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
}
