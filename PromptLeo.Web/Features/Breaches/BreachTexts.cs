using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Breaches;

public sealed record BreachDataCategory(string Key, string English, string German);

/// <summary>
/// Names for what a breach concerns, shared by the page, the PDFs and the user notice. The content categories use the
/// processing records' own keys (<see cref="ProcessingPurpose.DataCategoriesFor"/>), the others the register's activities.
/// </summary>
public static class BreachTexts
{
    public static readonly IReadOnlyList<BreachDataCategory> Categories =
    [
        new("account", "Account data (name, e-mail address, company, billing address, VAT ID)", "Kontodaten (Name, E-Mail-Adresse, Firma, Rechnungsadresse, USt-IdNr.)"),
        new("credentials", "Sign-in data (password hash, 2FA secret, API key hashes)", "Anmeldedaten (Passwort-Hash, 2FA-Geheimnis, Hashes der API-Schlüssel)"),
        new("prompt text", "Prompts", "Prompts (Eingaben)"),
        new("generated text", "Generated answers", "Erzeugte Antworten"),
        new("uploaded image", "Uploaded images", "Hochgeladene Bilder"),
        new("generated image", "Generated images", "Erzeugte Bilder"),
        new("usage metadata", "Usage metadata (time, model, request id)", "Nutzungsmetadaten (Zeit, Modell, Anfrage-ID)"),
        new("billing", "Billing data (usage events, amounts, invoices)", "Abrechnungsdaten (Nutzungsereignisse, Beträge, Rechnungen)"),
        new("sessions", "Session data (browser, network without host part)", "Sitzungsdaten (Browser, Netz ohne Host-Anteil)"),
        new("dpa", "Data processing agreement data (company, address, VAT ID)", "Daten zum Auftragsverarbeitungsvertrag (Firma, Anschrift, USt-IdNr.)"),
    ];

    public static readonly BreachNature[] Natures = [BreachNature.Confidentiality, BreachNature.Integrity, BreachNature.Availability];

    public static bool IsCategory(string key) => Categories.Any(c => c.Key == key);

    public static IReadOnlyList<string> CategoryKeys(BreachIncident incident) =>
        [.. incident.DataCategories.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    public static string Category(ReportText t, string key) =>
        Categories.FirstOrDefault(c => c.Key == key) is { } c ? t.T(c.English, c.German) : key;

    public static string CategoryList(ReportText t, BreachIncident incident) => string.Join("; ", CategoryKeys(incident).Select(k => Category(t, k)));

    public static string Nature(ReportText t, BreachNature nature) => string.Join("; ", Natures.Where(n => nature.HasFlag(n)).Select(n => n switch
    {
        BreachNature.Confidentiality => t.T("Confidentiality (data disclosed to or accessed by unauthorised persons)", "Vertraulichkeit (Daten Unbefugten offengelegt oder von ihnen eingesehen)"),
        BreachNature.Integrity => t.T("Integrity (data altered without authorisation)", "Integrität (Daten unbefugt verändert)"),
        _ => t.T("Availability (data lost or not accessible)", "Verfügbarkeit (Daten verloren oder nicht zugänglich)"),
    }));

    public static string Risk(ReportText t, BreachRisk risk) => risk switch
    {
        BreachRisk.Unlikely => t.T("Unlikely to result in a risk to the rights and freedoms of natural persons", "Voraussichtlich kein Risiko für die Rechte und Freiheiten natürlicher Personen"),
        BreachRisk.Risk => t.T("Risk to the rights and freedoms of natural persons", "Risiko für die Rechte und Freiheiten natürlicher Personen"),
        _ => t.T("High risk to the rights and freedoms of natural persons", "Hohes Risiko für die Rechte und Freiheiten natürlicher Personen"),
    };

    public static string Reference(BreachIncident incident) => $"PL-BREACH-{incident.Id:D4}";
}
