using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Preferences;

public static class PreferencesEndpoints
{
    /// <summary>
    /// Plain form posts from the layout (they work on static and interactive pages alike): switch language or theme,
    /// remember it in a cookie and, when signed in, in the profile; then go back. POST with an antiforgery token, so a
    /// link or form on another site cannot change them.
    /// </summary>
    public static IEndpointRouteBuilder MapPreferences(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/preferences").ExcludeFromDescription()
            .WithMetadata(new RequireAntiforgeryTokenAttribute())
            .AddEndpointFilter(IdentityComponentsEndpointRouteBuilderExtensions.RejectInvalidAntiforgeryToken);

        group.MapPost("/culture/{culture}", async (string culture, HttpContext http, UserManager<ApplicationUser> users) =>
        {
            var returnUrl = await ReturnUrlAsync(http);
            if (!UserPreferenceCookies.SupportedCultures.Contains(culture, StringComparer.OrdinalIgnoreCase))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unsupported language", detail: "Supported languages: en, de.");
            }
            var normalized = UserPreferenceCookies.NormalizeCulture(culture);
            UserPreferenceCookies.WriteCulture(http.Response, normalized);
            if (await users.GetUserAsync(http.User) is { } user && user.PreferredLanguage != normalized)
            {
                user.PreferredLanguage = normalized;
                await users.UpdateAsync(user);
            }
            return Results.LocalRedirect(SafeReturnUrl(returnUrl));
        });

        group.MapPost("/theme/{mode}", async (string mode, HttpContext http, UserManager<ApplicationUser> users) =>
        {
            var returnUrl = await ReturnUrlAsync(http);
            if (mode is not ("dark" or "light"))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unsupported theme", detail: "Use 'dark' or 'light'.");
            }
            var dark = mode == "dark";
            UserPreferenceCookies.WriteTheme(http.Response, dark);
            if (await users.GetUserAsync(http.User) is { } user && user.PrefersDarkMode != dark)
            {
                user.PrefersDarkMode = dark;
                await users.UpdateAsync(user);
            }
            return Results.LocalRedirect(SafeReturnUrl(returnUrl));
        });
        return endpoints;
    }

    private static async Task<string?> ReturnUrlAsync(HttpContext http) =>
        http.Request.HasFormContentType ? (await http.Request.ReadFormAsync(http.RequestAborted))["returnUrl"].ToString() : null;

    // Only same-site relative paths; anything else would be an open redirect.
    internal static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//") && !returnUrl.StartsWith("/\\")
            ? returnUrl
            : "/";
}
