using System.Globalization;
using Microsoft.Extensions.Localization;
using MudBlazor;

namespace PromptLeo.Web.Features.Portal;

/// <summary>German texts for MudBlazor's own labels (pagers, close buttons, pickers); English falls back to MudBlazor's.</summary>
public sealed class PortalMudLocalizer : MudLocalizer
{
    private static readonly Dictionary<string, string> German = new(StringComparer.Ordinal)
    {
        ["MudAlert_Close"] = "Schließen",
        ["MudChip_Close"] = "Entfernen",
        ["MudDialog_Close"] = "Schließen",
        ["MudSnackbar_Close"] = "Schließen",
        ["MudInput_Clear"] = "Leeren",
        ["MudInput_Increment"] = "Erhöhen",
        ["MudInput_Decrement"] = "Verringern",
        ["MudFormComponent_Required"] = "Pflichtfeld",
        ["MudSelect_SelectAll"] = "Alle auswählen",
        ["MudNavGroup_ToggleExpand"] = "Auf- oder zuklappen",
        ["MudBaseDatePicker_Open"] = "Datum wählen",
        ["MudBaseDatePicker_NextMonth"] = "Nächster Monat",
        ["MudBaseDatePicker_PrevMonth"] = "Vorheriger Monat",
        ["MudBaseDatePicker_NextYear"] = "Nächstes Jahr",
        ["MudBaseDatePicker_PrevYear"] = "Vorheriges Jahr",
        ["MudTimePicker_Open"] = "Uhrzeit wählen",
        ["MudTable_Loading"] = "Wird geladen …",
        ["MudTable_SelectAllRows"] = "Alle Zeilen auswählen",
        ["MudTable_SelectRow"] = "Zeile auswählen",
        ["MudTablePager_FirstPage"] = "Erste Seite",
        ["MudTablePager_LastPage"] = "Letzte Seite",
        ["MudTablePager_NextPage"] = "Nächste Seite",
        ["MudTablePager_PreviousPage"] = "Vorherige Seite",
        ["MudDataGridPager_FirstPage"] = "Erste Seite",
        ["MudDataGridPager_LastPage"] = "Letzte Seite",
        ["MudDataGridPager_NextPage"] = "Nächste Seite",
        ["MudDataGridPager_PreviousPage"] = "Vorherige Seite",
        ["MudDataGridPager_RowsPerPage"] = "Zeilen pro Seite:",
        ["MudDataGridPager_AllItems"] = "Alle",
        ["MudDataGrid_Loading"] = "Wird geladen …",
        ["MudPagination_FirstPage"] = "Erste Seite",
        ["MudPagination_LastPage"] = "Letzte Seite",
        ["MudPagination_NextPage"] = "Nächste Seite",
        ["MudPagination_PreviousPage"] = "Vorherige Seite",
        ["MudFileUpload_Button"] = "Datei auswählen",
        ["MudTabs_ScrollLeft"] = "Nach links blättern",
        ["MudTabs_ScrollRight"] = "Nach rechts blättern",
    };

    public override LocalizedString this[string key] =>
        CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "de" && German.TryGetValue(key, out var value)
            ? new LocalizedString(key, value)
            : new LocalizedString(key, key, resourceNotFound: true);
}
