namespace PromptLeo.Web.Features.Organizations.Sso;

/// <summary>Why an organization sign-in did not happen: the login page's <c>?sso=</c> code, shown as a localized message.</summary>
public static class SsoMessages
{
    public const string InvalidEmail = "invalid-email";
    public const string UnknownDomain = "unknown-domain";
    public const string Disabled = "disabled";
    public const string Failed = "failed";
    public const string NoEmail = "no-email";
    public const string EmailNotVerified = "email-not-verified";
    public const string DomainNotVerified = "domain-not-verified";
    public const string AccountDisabled = "account-disabled";
    public const string AccountNotMember = "account-not-member";

    /// <summary>The English text (the resource key) of each code; German in <c>SsoResource.de.resx</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string> Text = new Dictionary<string, string>
    {
        [InvalidEmail] = "Enter your work e-mail address.",
        [UnknownDomain] = "No organization signs in with this e-mail domain. Sign in with your password, or ask your organization's owner to set up single sign-on.",
        [Disabled] = "Single sign-on is switched off for this organization. Ask its owner, or sign in with your password.",
        [Failed] = "The sign-in at your organization did not complete. Please try again.",
        [NoEmail] = "Your organization's sign-in did not send an e-mail address. Ask its administrator to release the 'email' claim.",
        [EmailNotVerified] = "Your organization's sign-in marks your e-mail address as not verified, so it cannot be used here.",
        [DomainNotVerified] = "Your organization's sign-in sent an e-mail address outside the domains this organization has set up for single sign-on.",
        [AccountDisabled] = "This account is disabled. Please contact support.",
        [AccountNotMember] = "An account with this e-mail address already exists and is not a member of this organization. Sign in with your password; once you have accepted an owner's invitation, single sign-on works for this account too.",
    };
}
