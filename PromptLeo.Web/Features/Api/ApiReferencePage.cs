using System.Globalization;
using Microsoft.Extensions.Localization;
using PromptLeo.Web.Features.Preferences;
using PromptLeo.Web.Resources;
using Scalar.AspNetCore;

namespace PromptLeo.Web.Features.Api;

/// <summary>
/// The API reference (/api-docs) dressed as part of the portal: its name, its colours in the visitor's theme, the
/// visitor's language (Scalar's own labels and the document's introduction), and none of the vendor's upsell.
/// </summary>
public static class ApiReferencePage
{
    public const string Path = "/api-docs";

    /// <summary>Scalar's theme variables set to PortalTheme's palette (light and dark); the sidebar's "Powered by" footer hidden.</summary>
    public const string PortalCss = """
        :root { --scalar-font: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; --scalar-radius: 4px; }
        .light-mode {
          --scalar-color-1: rgba(0,0,0,0.87); --scalar-color-2: rgba(0,0,0,0.66); --scalar-color-3: rgba(0,0,0,0.6);
          --scalar-color-accent: #1f4e9e; --scalar-background-1: #ffffff; --scalar-background-2: #f5f5f5; --scalar-background-3: #ebebeb;
          --scalar-background-accent: #1f4e9e1a; --scalar-border-color: rgba(0,0,0,0.12);
          --scalar-sidebar-background-1: #f5f5f5; --scalar-sidebar-color-active: #1f4e9e; --scalar-sidebar-item-active-background: #1f4e9e1a;
          --scalar-header-background-1: #1f4e9e; --scalar-header-color-1: #ffffff;
        }
        .dark-mode {
          --scalar-color-1: rgba(255,255,255,0.87); --scalar-color-2: rgba(255,255,255,0.68); --scalar-color-3: rgba(255,255,255,0.6);
          --scalar-color-accent: #8ab4ff; --scalar-background-1: #32333d; --scalar-background-2: #27272f; --scalar-background-3: #3a3b45;
          --scalar-background-accent: #8ab4ff1f; --scalar-border-color: rgba(255,255,255,0.12);
          --scalar-sidebar-background-1: #27272f; --scalar-sidebar-color-active: #8ab4ff; --scalar-sidebar-item-active-background: #8ab4ff1f;
          --scalar-header-background-1: #27272f; --scalar-header-color-1: rgba(255,255,255,0.87);
        }
        .darklight-reference { display: none !important; }
        """;

    /// <summary>Per request: the portal's theme cookie picks light or dark, the request culture (cookie, then Accept-Language) the language.</summary>
    public static void Configure(ScalarOptions options, HttpContext context)
    {
        var localizer = context.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();
        var dark = UserPreferenceCookies.ReadDarkMode(context.Request);
        options
            .WithTitle(localizer["PromptLeo API reference"])
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .WithNonce()
            .DisableDefaultFonts()
            .DisableTelemetry()
            .WithTheme(ScalarTheme.None)
            .WithCustomCss(PortalCss)
            .HideDarkModeToggle()
            .HideDocumentDownload()
            .HideClientButton()
            .HideTestRequestButton()
            .HideDeveloperTools()
            .DisableAgent()
            .DisableMcp()
            .WithLocalization(new ScalarLocalizationOptions { Locale = CultureInfo.CurrentUICulture.TwoLetterISOLanguageName });
        if (dark)
        {
            options.ForceDarkMode();
        }
        else
        {
            options.ForceLightMode();
        }
    }

    /// <summary>The introduction at the top of the reference, in the request's language.</summary>
    public static string Introduction(IStringLocalizer<SharedResource> localizer) =>
        localizer["The OpenAI-compatible API of PromptLeo: chat completions, embeddings, image generation and knowledge collections, processed on the operator's own hardware in the EU. Create a key under API keys in the portal and send it as 'Authorization: Bearer pl_...'. Every response carries X-Request-Id and X-Processing-Region."];
}
