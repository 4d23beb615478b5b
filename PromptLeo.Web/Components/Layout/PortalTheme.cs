using MudBlazor;

namespace PromptLeo.Web.Components.Layout;

internal static class PortalTheme
{
    // Colours chosen for WCAG AA contrast (4.5:1 for text) in both themes; the accessibility walk checks them with axe-core.
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f4e9e",
            Secondary = "#f2b705",
            AppbarBackground = "#1f4e9e",
            TextSecondary = "rgba(0,0,0,0.66)",
            Error = "#c62828",
            ErrorDarken = "#a31515",
            Success = "#2e7d32",
            SuccessDarken = "#1b5e20",
            Warning = "#ef8f00",
            WarningDarken = "#8a4b00",
            WarningContrastText = "rgba(0,0,0,0.87)",
            Info = "#1769aa",
            InfoDarken = "#0d4a7a",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8ab4ff",
            PrimaryContrastText = "#0b1a33",
            Secondary = "#f2b705",
            TextPrimary = "rgba(255,255,255,0.87)",
            TextSecondary = "rgba(255,255,255,0.68)",
            TableStriped = "rgba(255,255,255,0.06)",
            TableHover = "rgba(255,255,255,0.08)",
            AppbarText = "rgba(255,255,255,0.87)",
            Error = "#ff8a80",
            ErrorDarken = "#ffab9f",
            ErrorContrastText = "#2b0000",
            Success = "#5fd068",
            SuccessDarken = "#7fe089",
            SuccessContrastText = "#002b05",
            Warning = "#ffb74d",
            WarningDarken = "#ffc878",
            WarningContrastText = "rgba(0,0,0,0.87)",
            Info = "#64b5f6",
            InfoDarken = "#90caf9",
            InfoContrastText = "#001a2e",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"] },
        },
    };
}
