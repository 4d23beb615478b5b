namespace PromptLeo.Web.Features.Organizations;

public static class OrganizationsExtensions
{
    /// <summary>Organizations, their members and the organization the portal acts for.</summary>
    public static IHostApplicationBuilder AddPromptLeoOrganizations(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<OrganizationDirectory>();
        builder.Services.AddSingleton<ContractParties>();
        builder.Services.AddSingleton<Privacy.IDpaParties, DpaParties>();
        builder.Services.AddSingleton<Privacy.IErasureParticipant, OrganizationErasureParticipant>();
        builder.Services.AddSingleton<Privacy.IExportContributor, OrganizationExportContributor>();
        builder.Services.AddSingleton<Privacy.IRetentionParticipant, OrganizationInvitationRetention>();
        builder.Services.AddSingleton<Privacy.IProcessingRecipient, OrganizationRecipient>();
        return builder;
    }
}
