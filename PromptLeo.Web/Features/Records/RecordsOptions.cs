using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Records;

/// <summary>The <c>Records</c> section.</summary>
public sealed class RecordsOptions
{
    public const string SectionName = "Records";

    /// <summary>How long processing records are kept: three years by default, the regular limitation period (§ 195 BGB).</summary>
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 1095;
}
