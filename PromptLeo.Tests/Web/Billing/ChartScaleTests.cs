using PromptLeo.Web.Features.Billing;

namespace PromptLeo.Tests.Web.Billing;

public class ChartScaleTests
{
    [Theory]
    [InlineData(25_000_000L, "€", 25.0, 7)]
    [InlineData(340_000L, "ct", 34.0, 9)]
    [InlineData(8L, "µ€", 8.0, 2)]
    [InlineData(0L, "µ€", 0.0, 1)]
    public void For_PicksAUnitWhoseTicksAreWholeNumbers(long maxMicros, string unit, double scaledMax, int ticks)
    {
        var scale = ChartScale.For(maxMicros);

        Assert.Equal(unit, scale.Unit);
        Assert.Equal(scaledMax, scale.Scale(maxMicros), precision: 6);
        Assert.Equal(ticks, scale.Ticks);
    }
}
