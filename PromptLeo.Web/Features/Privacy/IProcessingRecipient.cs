using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// A recipient another feature brings in only when it is configured (e.g. the payment provider), added to that
/// activity's recipients in the register and the privacy policy. Privacy never names the feature's options.
/// </summary>
public interface IProcessingRecipient
{
    RegisterActivity Activity { get; }

    /// <summary>The recipient as the register prints it, or null while the feature is off.</summary>
    string? Describe(ReportText t);
}
