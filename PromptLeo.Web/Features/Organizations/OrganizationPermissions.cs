using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Organizations;

/// <summary>The role matrix of docs/billing.md "Organizations", in one place.</summary>
public static class OrganizationPermissions
{
    /// <summary>Runs inference billed to the organization (portal and keys).</summary>
    public static bool CanUseModels(OrganizationRole role) => role is OrganizationRole.Owner or OrganizationRole.Admin or OrganizationRole.Member;

    /// <summary>Creates API keys of the organization (their own; owners and admins also see and revoke everyone's).</summary>
    public static bool CanCreateKeys(OrganizationRole role) => CanUseModels(role);

    /// <summary>Renames a key and edits its scopes and budget: the creator while their role creates keys; owners and admins any key.</summary>
    public static bool CanEditKey(OrganizationRole role, bool isCreator) => isCreator ? CanCreateKeys(role) : CanManageMembers(role);

    /// <summary>Invites and removes members (admins not owners), sets member and key budgets, reads usage amounts and the audit log.</summary>
    public static bool CanManageMembers(OrganizationRole role) => role is OrganizationRole.Owner or OrganizationRole.Admin;

    /// <summary>Invoices, top-ups, billing address, VAT id, e-invoice format and the organization's budget.</summary>
    public static bool CanManageBilling(OrganizationRole role) => role is OrganizationRole.Owner or OrganizationRole.Billing;

    /// <summary>Sees every member's usage amounts (never content).</summary>
    public static bool CanSeeUsage(OrganizationRole role) => role is OrganizationRole.Owner or OrganizationRole.Admin or OrganizationRole.Billing;

    /// <summary>Accepts the DPA for the organization, changes owners and SSO, deletes the organization.</summary>
    public static bool IsOwner(OrganizationRole role) => role is OrganizationRole.Owner;
}

/// <summary>Stable audit action names of organization actions (shown in the organization's audit log).</summary>
public static class OrganizationAuditActions
{
    public const string Created = "org.created";
    public const string Updated = "org.updated";
    public const string MemberInvited = "org.member-invited";
    public const string InvitationRevoked = "org.invitation-revoked";
    public const string MemberJoined = "org.member-joined";
    public const string MemberRemoved = "org.member-removed";
    public const string MemberLeft = "org.member-left";
    public const string RoleChanged = "org.role-changed";
    public const string BudgetChanged = "org.budget-changed";
    public const string DpaAccepted = "org.dpa-accepted";
    public const string BillingModeChanged = "org.billing-mode-changed";
    public const string CreditBooked = "org.credit-booked";
    public const string ApiKeyRevoked = "org.api-key-revoked";
    public const string ApiKeyBudgetChanged = "org.api-key-budget-changed";
    public const string ApiKeyChanged = "org.api-key-changed";
    public const string Deleted = "org.deleted";
}
