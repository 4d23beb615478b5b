using System.Resources;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Components.Account;

/// <summary>
/// Field names and validation messages for the account forms' DataAnnotations
/// (<c>Display(ResourceType = ...)</c>, <c>ErrorMessageResourceType = ...</c>), read from the same
/// AccountResource resx as <c>IStringLocalizer&lt;AccountResource&gt;</c>; English keys are the fallback.
/// </summary>
// Attributes cannot take an injected localizer, so this builds the one the DI factory would build.
public static class AccountFormText
{
    private static readonly IStringLocalizer Localizer = new ResourceManagerStringLocalizer(
        new ResourceManager(typeof(AccountResource).FullName!, typeof(AccountResource).Assembly),
        typeof(AccountResource).Assembly,
        typeof(AccountResource).FullName!,
        new ResourceNamesCache(),
        NullLogger.Instance);

    // Field names
    public static string Email => Localizer["Email"];
    public static string Password => Localizer["Password"];
    public static string ConfirmPassword => Localizer["Confirm password"];
    public static string RememberMe => Localizer["Remember me"];
    public static string DisplayName => Localizer["Display name"];
    public static string AuthenticatorCode => Localizer["Authenticator code"];
    public static string RememberMachine => Localizer["Remember this machine"];
    public static string RecoveryCode => Localizer["Recovery code"];
    public static string VerificationCode => Localizer["Verification code"];
    public static string CurrentPassword => Localizer["Current password"];
    public static string NewPassword => Localizer["New password"];
    public static string ConfirmNewPassword => Localizer["Confirm new password"];
    public static string NewEmail => Localizer["New email"];
    public static string PhoneNumber => Localizer["Phone number"];
    public static string CompanyName => Localizer["Company"];
    public static string BillingStreet => Localizer["Street and house number"];
    public static string BillingPostalCode => Localizer["Postal code"];
    public static string BillingCity => Localizer["City"];
    public static string BillingCountry => Localizer["Country"];
    public static string VatId => Localizer["VAT ID"];
    public static string LeitwegId => Localizer["Leitweg-ID (public buyers)"];
    public static string PreferredLanguage => Localizer["Preferred language"];

    // Validation messages ({0} is the field name, {1} the maximum and {2} the minimum length)
    public static string Required => Localizer["The {0} field is required."];
    public static string InvalidEmail => Localizer["The {0} field is not a valid email address."];
    public static string InvalidPhone => Localizer["The {0} field is not a valid phone number."];
    public static string LengthRange => Localizer["The {0} must be at least {2} and at most {1} characters long."];
    public static string MaxLength => Localizer["The {0} must be at most {1} characters long."];
    public static string PasswordMismatch => Localizer["The password and confirmation password do not match."];
    public static string NewPasswordMismatch => Localizer["The new password and confirmation password do not match."];
    public static string InvalidCountryCode => Localizer["Enter a two-letter country code, for example DE."];
    public static string InvalidLanguage => Localizer["Choose German or English."];
    public static string InvalidVatId => Localizer["This VAT ID does not have its country's format (for example DE and 9 digits, FR and 2 characters and 9 digits, ATU and 8 digits)."];
    public static string InvalidLeitwegId => Localizer["This Leitweg-ID is not valid: 2 to 12 digits, an optional fine address, then 2 check digits, separated by hyphens (for example 992-90009-96)."];
}
