namespace PromptLeo.Web.Features.Organizations;

public static class OrganizationsExtensions
{
    /// <summary>Organizations, their members and invitations, and the organization the portal acts for.</summary>
    public static IHostApplicationBuilder AddPromptLeoOrganizations(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OrganizationsOptions>().BindConfiguration(OrganizationsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<OrganizationDirectory>();
        builder.Services.AddSingleton<OrganizationMembers>();
        builder.Services.AddSingleton<MembershipEnding>();
        builder.Services.AddSingleton<OrganizationMail>();
        builder.Services.AddSingleton<OrganizationAuditLog>();
        builder.Services.AddSingleton<ContractParties>();
        builder.Services.AddSingleton<Privacy.IDpaParties, DpaParties>();
        builder.Services.AddSingleton<Privacy.IErasureParticipant, OrganizationErasureParticipant>();
        builder.Services.AddSingleton<Privacy.IExportContributor, OrganizationExportContributor>();
        builder.Services.AddSingleton<Privacy.IRetentionParticipant, OrganizationInvitationRetention>();
        builder.Services.AddSingleton<Privacy.IProcessingRecipient, OrganizationRecipient>();
        return builder;
    }

    /// <summary>The switcher's form post: the portal acts for another of the user's organizations.</summary>
    public static IEndpointRouteBuilder MapPromptLeoOrganizations(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/organization/switch", async Task<IResult> (HttpContext context, OrganizationDirectory directory) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            if (!Guid.TryParse(form["organizationId"], out var organizationId))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid organization", detail: "Choose one of your organizations.");
            }
            var userId = context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)!.Value;
            if (!await directory.SetActiveAsync(userId, organizationId, context.RequestAborted))
            {
                return TypedResults.NotFound(); // not a member: the same answer as for an id that does not exist
            }
            // Only a path on this site: an absolute or protocol-relative URL would make this an open redirect.
            var returnUrl = form["returnUrl"].ToString();
            var target = returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) ? returnUrl : "/";
            return TypedResults.LocalRedirect(target);
        })
            .RequireAuthorization()
            .ExcludeFromDescription()
            .WithMetadata(new Microsoft.AspNetCore.Antiforgery.RequireAntiforgeryTokenAttribute())
            .AddEndpointFilter(IdentityComponentsEndpointRouteBuilderExtensions.RejectInvalidAntiforgeryToken);
        return endpoints;
    }
}
