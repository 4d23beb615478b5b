using System.Globalization;
using PromptLeo.Web.Features.Billing;

namespace PromptLeo.Tests.Web.Billing;

public class AxisLabelsTests
{
    private static string[] Days(int count, string culture) =>
        [.. Enumerable.Range(0, count).Select(i => UsageReports.DayLabel(new DateOnly(2026, 12, 1).AddDays(i), CultureInfo.GetCultureInfo(culture)))];

    [Theory]
    [InlineData(31)]
    [InlineData(62)]
    [InlineData(20)]
    [InlineData(9)]
    public void Thin_ManyDays_AtMostEightLabelsWithFirstAndLast(int days)
    {
        var labels = Days(days, "en");

        var thinned = AxisLabels.Thin(labels);

        Assert.Equal(days, thinned.Length);
        Assert.InRange(thinned.Count(l => l.Length > 0), 2, AxisLabels.MaxLabels);
        Assert.Equal(labels[0], thinned[0]);
        Assert.Equal(labels[^1], thinned[^1]);
        // Kept labels stay on their own bar, and the labels are spread evenly (no gap twice another).
        Assert.All(thinned.Select((l, i) => (l, i)).Where(p => p.l.Length > 0), p => Assert.Equal(labels[p.i], p.l));
        var shown = thinned.Select((l, i) => (l, i)).Where(p => p.l.Length > 0).Select(p => p.i).ToList();
        var gaps = shown.Zip(shown.Skip(1), (a, b) => b - a).ToList();
        Assert.True(gaps.Max() <= 2 * gaps.Min(), $"uneven gaps {string.Join(",", gaps)}");
    }

    [Fact]
    public void Thin_ThirtyOneDays_LabelsEveryFifthDay()
    {
        var thinned = AxisLabels.Thin(Days(31, "de"));

        Assert.Equal([0, 5, 10, 15, 20, 25, 30], thinned.Select((l, i) => (l, i)).Where(p => p.l.Length > 0).Select(p => p.i));
    }

    [Theory]
    [InlineData("de", new[] { "01.12.", "02.12.", "03.12.", "04.12.", "05.12." })]
    [InlineData("en", new[] { "12/1", "12/2", "12/3", "12/4", "12/5" })]
    public void Thin_FiveDays_AllLabelledInTheCulturesFormat(string culture, string[] expected)
    {
        Assert.Equal(expected, AxisLabels.Thin(Days(5, culture)));
    }

    [Theory]
    [InlineData("de", "01.12.", "31.12.")]
    [InlineData("en", "12/1", "12/31")]
    public void Thin_ThirtyOneDays_FirstAndLastInTheCulturesFormat(string culture, string first, string last)
    {
        var thinned = AxisLabels.Thin(Days(31, culture));

        Assert.Equal(first, thinned[0]);
        Assert.Equal(last, thinned[^1]);
    }
}
