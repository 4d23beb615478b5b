namespace PromptLeo.Web.Features.Billing;

/// <summary>
/// Thins a bar chart's x-axis labels: MudChart draws one label per bar, so a month of days overlaps. Every n-th bar
/// keeps its label, the others get an empty string; the first and the last bar are always labelled.
/// </summary>
public static class AxisLabels
{
    /// <summary>At most this many day labels under the spend chart; 31 days then read one label every 5 days.</summary>
    public const int MaxLabels = 8;

    public static string[] Thin(IReadOnlyList<string> labels, int maxLabels = MaxLabels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLabels, 2);
        var last = labels.Count - 1;
        if (labels.Count <= maxLabels)
        {
            return [.. labels];
        }
        var step = (int)Math.Ceiling(last / (double)(maxLabels - 1));
        // An on-step label within half a step of the last one would crowd it, so it gives way (the first never does).
        return [.. labels.Select((label, i) => i == 0 || i == last || (i % step == 0 && 2 * (last - i) >= step) ? label : "")];
    }
}
