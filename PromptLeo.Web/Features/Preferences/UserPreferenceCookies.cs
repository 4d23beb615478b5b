using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Localization;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Preferences;

/// <summary>Language and theme live in cookies for every request, and in the profile for signed-in users.</summary>
public static class UserPreferenceCookies
{
    public const string ThemeCookie = "PromptLeo.Theme";
    public static readonly string[] SupportedCultures = ["en", "de"];

    public static string NormalizeCulture(string? culture) =>
        SupportedCultures.Contains(culture, StringComparer.OrdinalIgnoreCase) ? culture!.ToLowerInvariant() : "en";

    public static void WriteCulture(HttpResponse response, string culture) =>
        response.Cookies.Append(
            CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            Options());

    public static void WriteTheme(HttpResponse response, bool dark) =>
        response.Cookies.Append(ThemeCookie, dark ? "dark" : "light", Options());

    public static bool ReadDarkMode(HttpRequest request) => request.Cookies[ThemeCookie] == "dark";

    /// <summary>After login, the stored preferences win over whatever the anonymous session had.</summary>
    public static async Task ApplyOnSignInAsync(CookieSignedInContext context)
    {
        var users = context.HttpContext.RequestServices.GetRequiredService<UserManager<ApplicationUser>>();
        var user = await users.GetUserAsync(context.Principal!);
        if (user is null)
        {
            return;
        }
        WriteCulture(context.Response, NormalizeCulture(user.PreferredLanguage));
        WriteTheme(context.Response, user.PrefersDarkMode);
    }

    private static CookieOptions Options() => new()
    {
        Expires = DateTimeOffset.UtcNow.AddYears(1),
        IsEssential = true,
        SameSite = SameSiteMode.Lax,
        HttpOnly = true,
        Path = "/",
    };
}
