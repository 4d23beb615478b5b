using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Localization;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Accounts;

/// <summary>Identity's validation messages in the request's UI language.</summary>
public sealed class LocalizedIdentityErrorDescriber(IStringLocalizer<SharedResource> l) : IdentityErrorDescriber
{
    private IdentityError Error(string code, string message) => new() { Code = code, Description = message };

    public override IdentityError DefaultError() => Error(nameof(DefaultError), l["An unknown failure has occurred."]);
    public override IdentityError ConcurrencyFailure() => Error(nameof(ConcurrencyFailure), l["The record was changed by someone else. Please reload and try again."]);
    public override IdentityError PasswordMismatch() => Error(nameof(PasswordMismatch), l["Incorrect password."]);
    public override IdentityError InvalidToken() => Error(nameof(InvalidToken), l["This link or code is invalid or has expired."]);
    public override IdentityError RecoveryCodeRedemptionFailed() => Error(nameof(RecoveryCodeRedemptionFailed), l["The recovery code is invalid."]);
    public override IdentityError InvalidUserName(string? userName) => Error(nameof(InvalidUserName), l["The user name is invalid."]);
    public override IdentityError InvalidEmail(string? email) => Error(nameof(InvalidEmail), l["The e-mail address is invalid."]);
    public override IdentityError DuplicateUserName(string userName) => Error(nameof(DuplicateUserName), l["This e-mail address is already registered."]);
    public override IdentityError DuplicateEmail(string email) => Error(nameof(DuplicateEmail), l["This e-mail address is already registered."]);
    public override IdentityError UserAlreadyHasPassword() => Error(nameof(UserAlreadyHasPassword), l["A password is already set for this account."]);
    public override IdentityError UserLockoutNotEnabled() => Error(nameof(UserLockoutNotEnabled), l["Lockout is not enabled for this account."]);
    public override IdentityError UserAlreadyInRole(string role) => Error(nameof(UserAlreadyInRole), l["The account already has this role."]);
    public override IdentityError UserNotInRole(string role) => Error(nameof(UserNotInRole), l["The account does not have this role."]);
    public override IdentityError PasswordTooShort(int length) => Error(nameof(PasswordTooShort), l["Passwords must be at least {0} characters long.", length]);
    public override IdentityError PasswordRequiresUniqueChars(int uniqueChars) => Error(nameof(PasswordRequiresUniqueChars), l["Passwords must use at least {0} different characters.", uniqueChars]);
    public override IdentityError PasswordRequiresNonAlphanumeric() => Error(nameof(PasswordRequiresNonAlphanumeric), l["Passwords must contain at least one character that is not a letter or digit."]);
    public override IdentityError PasswordRequiresDigit() => Error(nameof(PasswordRequiresDigit), l["Passwords must contain at least one digit (0-9)."]);
    public override IdentityError PasswordRequiresLower() => Error(nameof(PasswordRequiresLower), l["Passwords must contain at least one lowercase letter (a-z)."]);
    public override IdentityError PasswordRequiresUpper() => Error(nameof(PasswordRequiresUpper), l["Passwords must contain at least one uppercase letter (A-Z)."]);
}
