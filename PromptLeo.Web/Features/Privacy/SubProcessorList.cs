using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>A component another feature adds to the DPA page (e.g. the sub-processor objections); it gets <c>CanObject</c>: whether the user accepted a DPA.</summary>
public sealed record DpaPageSection(Type Component);

/// <summary>
/// Where the DPA, the Art. 30 register, the privacy policy and the access report read the sub-processors from. The
/// SubProcessors feature implements it; Privacy only states what it needs, so the dependency points one way.
/// </summary>
public interface ISubProcessorSource
{
    /// <summary>Fresh from the database.</summary>
    Task<SubProcessorList> CurrentAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>From the last loaded copy, for the synchronous documents.</summary>
    SubProcessorList Current(DateTimeOffset now);
}

public sealed record SubProcessorEntry(int Id, string Name, string? Address, string Service, string Location, bool? InEea, string? TransferBasis)
{
    public static SubProcessorEntry From(SubProcessor s) => new(s.Id, s.Name, s.Address, s.Service, s.Location, s.InEea, s.TransferBasis);

    /// <summary>"Name, address, service, location (EU/EEA)" as the documents print it; a row seeded from configuration reads as configured.</summary>
    public string Describe(ReportText t)
    {
        var text = string.Join(", ", new[] { Name, Address, Service, Location }.Where(s => !string.IsNullOrWhiteSpace(s)));
        return InEea switch
        {
            true => text + t.T(" (EU/EEA)", " (EU/EWR)"),
            false => text + t.T($" (third country; transfer basis: {TransferBasis})", $" (Drittland; Übermittlungsgrundlage: {TransferBasis})"),
            null => text,
        };
    }
}

public sealed record AnnouncedChange(Guid Id, SubProcessorChangeKind Kind, SubProcessorEntry? Added, SubProcessorEntry? Removed, DateTimeOffset AnnouncedAt, DateTimeOffset EffectiveAt)
{
    public string Describe(ReportText t) => Kind switch
    {
        SubProcessorChangeKind.Addition => t.T($"Addition of {Added!.Describe(t)}", $"Hinzuziehung von {Added!.Describe(t)}"),
        SubProcessorChangeKind.Replacement => t.T($"Replacement of {Removed!.Describe(t)} by {Added!.Describe(t)}", $"Ersetzung von {Removed!.Describe(t)} durch {Added!.Describe(t)}"),
        _ => t.T($"Removal of {Removed!.Describe(t)}", $"Wegfall von {Removed!.Describe(t)}"),
    };

    /// <summary>The change with its date, as the DPA and the privacy policy list it.</summary>
    public string DescribeWithDate(ReportText t) => t.T($"{Describe(t)}, effective {t.Date(EffectiveAt)}", $"{Describe(t)}, wirksam ab {t.Date(EffectiveAt)}");
}

/// <summary>The sub-processors in force at one moment, and the changes announced but not yet in force.</summary>
public sealed record SubProcessorList(IReadOnlyList<SubProcessorEntry> InForce, IReadOnlyList<AnnouncedChange> Announced)
{
    public IReadOnlyList<string> Lines(ReportText t) => [.. InForce.Select(s => s.Describe(t))];

    public IReadOnlyList<string> AnnouncedLines(ReportText t) => [.. Announced.Select(c => c.DescribeWithDate(t))];

    /// <summary>Changes whenever what the documents print changes.</summary>
    public string Key => string.Join(";", InForce.Select(s => s.Id)) + "|" + string.Join(";", Announced.Select(c => c.Id));
}
