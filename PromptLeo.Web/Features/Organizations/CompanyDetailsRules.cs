namespace PromptLeo.Web.Features.Organizations;

/// <summary>What a new company organization needs; returns English problem texts (resource keys), none when it is fine.</summary>
public static class CompanyDetailsRules
{
    public static IReadOnlyList<string> Problems(OrganizationDetails details)
    {
        var problems = new List<string>();
        if (details.Name.Trim().Length is 0 or > 200)
        {
            problems.Add("Enter the company name (up to 200 characters).");
        }
        if (string.IsNullOrWhiteSpace(details.Street) || string.IsNullOrWhiteSpace(details.PostalCode) || string.IsNullOrWhiteSpace(details.City))
        {
            problems.Add("Enter the street, postal code and city: they appear on the invoices.");
        }
        if (details.Street?.Length > 200 || details.PostalCode?.Trim().Length > 20 || details.City?.Length > 100)
        {
            problems.Add("The address is too long.");
        }
        var country = details.Country?.Trim();
        if (country is null || country.Length != 2 || !country.All(char.IsAsciiLetter))
        {
            problems.Add("Enter the country as a two-letter code, e.g. DE.");
        }
        else if (!string.IsNullOrWhiteSpace(details.VatId) && !VatIds.IsPlausible(details.VatId, country))
        {
            problems.Add("The VAT ID does not look right: it starts with the country's prefix (e.g. DE123456789).");
        }
        return problems;
    }
}
