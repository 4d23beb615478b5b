namespace PromptLeo.Web.Data;

/// <summary>
/// An organization as the contract party of its DPA and invoices: a company organization's own data, or, for a personal
/// organization, the owner's profile (see <c>Features/Organizations/ContractParties</c>).
/// </summary>
public sealed record ContractParty(
    Guid OrganizationId,
    bool IsPersonal,
    string Name,
    string? Street,
    string? PostalCode,
    string? City,
    string? Country,
    string? VatId,
    Features.Billing.EInvoiceFormat EInvoiceFormat,
    string? LeitwegId,
    string Language)
{
    /// <summary>The person a personal organization is (their display name or e-mail); null for a company.</summary>
    public string? PersonName { get; init; }

    /// <summary>The buyer's electronic address (BT-49): the owner's e-mail, or a company's first billing contact.</summary>
    public string? Email { get; init; }

    /// <summary>The name an invoice's buyer and the DPA's controller carry: the company, else the person.</summary>
    public string DisplayName => Name.Length > 0 ? Name : PersonName ?? "—";

    /// <summary>The postal address as printed on invoices and the DPA, one line each.</summary>
    public IReadOnlyList<string> AddressLines()
    {
        var lines = new List<string>();
        if (Name.Length > 0) lines.Add(Name);
        if (PersonName is { Length: > 0 } person && person != Name) lines.Add(person);
        if (!string.IsNullOrWhiteSpace(Street)) lines.Add(Street);
        var city = $"{PostalCode} {City}".Trim();
        if (city.Length > 0) lines.Add(city);
        if (!string.IsNullOrWhiteSpace(Country)) lines.Add(Country);
        return lines;
    }
}

/// <summary>Who receives an organization's contract mail (invoices, DPA notices): its owners and billing members.</summary>
public sealed record ContractRecipient(string UserId, string Email, string Language);
