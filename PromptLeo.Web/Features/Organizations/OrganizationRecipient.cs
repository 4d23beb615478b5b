using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Organizations;

/// <summary>A company organization's owners, admins and Billing members see its members and their usage amounts: recipients inside the customer.</summary>
public sealed class OrganizationRecipient : IProcessingRecipient
{
    public RegisterActivity Activity => RegisterActivity.Organizations;

    public string? Describe(ReportText t) => Text(t);

    /// <summary>The same sentence for the register, the privacy policy and the Art. 15 report of a member.</summary>
    public static string Text(ReportText t) => t.T(
        "the owners and admins of the organization a member belongs to (the members' names, e-mail addresses, roles and usage amounts; never content) and its members with the Billing role (usage amounts)",
        "Inhaber und Administratoren der Organisation, der ein Mitglied angehört (Namen, E-Mail-Adressen, Rollen und Nutzungsbeträge der Mitglieder; nie Inhalte), und ihre Mitglieder mit der Rolle Abrechnung (Nutzungsbeträge)");
}
