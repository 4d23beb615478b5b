using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>The settings of the <c>Operator</c> section, each one checkable on its own.</summary>
public enum OperatorField
{
    Name,
    LegalForm,
    Representatives,
    Address,
    Email,
    Phone,
    RegisterCourt,
    RegisterNumber,
    VatId,
    SupervisoryAuthority,
    DataProtectionOfficer,
    HostingProvider,
}

/// <summary>
/// The operator's data as pages and documents may print it: a field still holding a shipped placeholder (or an
/// example marker) prints as "[to be completed by the operator]", never as fact.
/// </summary>
public sealed class OperatorFacts(IOptions<OperatorOptions> options)
{
    private static readonly OperatorOptions Shipped = new();

    // Example data an operator may have copied and half-edited: example.com, .example, Musterstraße, Mustermann.
    private static readonly string[] ExampleMarkers = ["example", "muster"];

    public static string Missing(ReportText t) => t.T("[to be completed by the operator]", "[vom Betreiber zu ergänzen]");

    /// <summary>The configuration key an operator sets, e.g. <c>Operator:VatId</c>.</summary>
    public static string Key(OperatorField field) => $"{OperatorOptions.SectionName}:{field}";

    public bool IsPlaceholder(OperatorField field)
    {
        var value = Value(options.Value, field);
        if (string.IsNullOrWhiteSpace(value))
        {
            return false; // validation keeps required fields filled; an empty optional one means "not applicable"
        }
        // The shipped authority is a real one, right for the shipped Frankfurt hosting; only markers flag it.
        var shipped = field != OperatorField.SupervisoryAuthority && value == Value(Shipped, field);
        return shipped || ExampleMarkers.Any(m => value.Contains(m, StringComparison.OrdinalIgnoreCase));
    }

    public IReadOnlyList<OperatorField> Placeholders => [.. Enum.GetValues<OperatorField>().Where(IsPlaceholder)];

    /// <summary>The value, the placeholder notice, or null when the field is empty (not applicable).</summary>
    public string? Show(OperatorField field, ReportText t)
    {
        if (IsPlaceholder(field))
        {
            return Missing(t);
        }
        var value = Value(options.Value, field);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public string Name(ReportText t) => Show(OperatorField.Name, t)!;

    /// <summary>Name, address and e-mail, as the documents print the controller or processor.</summary>
    public string Contact(ReportText t, bool withEmail = true) =>
        string.Join(", ", new[] { OperatorField.Name, OperatorField.Address, OperatorField.Email }
            .Where(f => withEmail || f != OperatorField.Email).Select(f => Show(f, t)).Distinct());

    public string DataProtectionOfficer(ReportText t) => Show(OperatorField.DataProtectionOfficer, t) ?? t.T("not appointed", "nicht benannt");

    public string SupervisoryAuthority(ReportText t) => Show(OperatorField.SupervisoryAuthority, t)!;

    private static string? Value(OperatorOptions o, OperatorField field) => field switch
    {
        OperatorField.Name => o.Name,
        OperatorField.LegalForm => o.LegalForm,
        OperatorField.Representatives => o.Representatives,
        OperatorField.Address => o.Address,
        OperatorField.Email => o.Email,
        OperatorField.Phone => o.Phone,
        OperatorField.RegisterCourt => o.RegisterCourt,
        OperatorField.RegisterNumber => o.RegisterNumber,
        OperatorField.VatId => o.VatId,
        OperatorField.SupervisoryAuthority => o.SupervisoryAuthority,
        OperatorField.DataProtectionOfficer => o.DataProtectionOfficer,
        _ => o.HostingProvider,
    };
}
