using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>The organisational Art. 32 measures the operator states, each named like its setting and confirmable on its own.</summary>
public enum OrganisationalMeasure { PhysicalAccess, StaffConfidentiality, RestoreTests, SecurityTesting, IncidentResponse }

/// <summary>
/// The organisational measures as the DPA annex may print them: one still holding its shipped suggestion prints as
/// "[to be confirmed by the operator]", never as fact, like <see cref="OperatorFacts"/> does for the operator's data.
/// </summary>
public sealed class OrganisationalMeasures(IOptions<OrganisationalMeasuresOptions> options)
{
    private static readonly OrganisationalMeasuresOptions Shipped = new();

    public static string Unconfirmed(ReportText t) => t.T("[to be confirmed by the operator]", "[vom Betreiber zu bestätigen]");

    /// <summary>The configuration key an operator sets, e.g. <c>OrganisationalMeasures:RestoreTests</c>.</summary>
    public static string Key(OrganisationalMeasure measure) => $"{OrganisationalMeasuresOptions.SectionName}:{measure}";

    public bool IsUnconfirmed(OrganisationalMeasure measure) => Value(options.Value, measure).Trim() == Value(Shipped, measure);

    public IReadOnlyList<OrganisationalMeasure> Pending => [.. Enum.GetValues<OrganisationalMeasure>().Where(IsUnconfirmed)];

    /// <summary>The shipped suggestion, which the admin page shows next to the setting it waits for.</summary>
    public static string Suggestion(OrganisationalMeasure measure) => Value(Shipped, measure);

    public string Show(OrganisationalMeasure measure, ReportText t) => IsUnconfirmed(measure) ? Unconfirmed(t) : Value(options.Value, measure).Trim();

    // Each measure is named like its property, which also keeps Key() equal to the setting's name.
    private static string Value(OrganisationalMeasuresOptions o, OrganisationalMeasure measure) =>
        (string)typeof(OrganisationalMeasuresOptions).GetProperty(measure.ToString())!.GetValue(o)!;
}
