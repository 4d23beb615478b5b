namespace PromptLeo.Web.Features.Accounts;

/// <summary>Where the account events go: the user's activity log (Privacy implements it, as Accounts must not reference Privacy).</summary>
public interface IAccountActivity
{
    Task RecordAsync(string userId, string action, string details = "");
}

/// <summary>Stable names of the account events in the activity log.</summary>
public static class AccountAuditActions
{
    public const string Registered = "account.registered";
    public const string EmailConfirmed = "account.email-confirmed";
    public const string SignedIn = "account.signed-in";
    public const string SignedOut = "account.signed-out";
    public const string SignInFailed = "account.sign-in-failed";
    public const string PasswordChanged = "account.password-changed";
    public const string PasswordReset = "account.password-reset";
    public const string PasswordSet = "account.password-set";
    public const string TwoFactorEnabled = "account.2fa-enabled";
    public const string TwoFactorDisabled = "account.2fa-disabled";
    public const string AuthenticatorReset = "account.authenticator-reset";
    public const string RecoveryCodesGenerated = "account.recovery-codes-generated";
}
