using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Api;

/// <summary>The <c>/v1</c> API as the DPIA describes it, with the rate limits in force.</summary>
public sealed class ApiProcessingChannel(IOptions<ApiOptions> options) : IProcessingChannel
{
    public string Describe(ReportText t) => t.T(
        $"the OpenAI-compatible API (/v1) with API keys, limited to {options.Value.RequestsPerMinutePerKey} requests per minute per key and {options.Value.RequestsPerMinutePerUser} per account",
        $"die OpenAI-kompatible API (/v1) mit API-Schlüsseln, begrenzt auf {options.Value.RequestsPerMinutePerKey} Anfragen pro Minute je Schlüssel und {options.Value.RequestsPerMinutePerUser} je Konto");
}
