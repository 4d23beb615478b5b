using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// A way in for personal data besides the portal (e.g. the <c>/v1</c> API), described with its live limits for the
/// DPIA. The feature registers it in its own <c>AddX</c>; Privacy never names the feature's options.
/// </summary>
public interface IProcessingChannel
{
    string Describe(ReportText t);
}
