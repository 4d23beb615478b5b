using System.Globalization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Resources;

namespace PromptLeo.Tests.Web.Billing;

/// <summary>The billing page's arithmetic and wording: forecast, amounts, period, key filter, chart days and readable rows.</summary>
public sealed class UsageViewTests
{
    private static readonly IStringLocalizer<BillingResource> B = new StringLocalizer<BillingResource>(
        new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions { ResourcesPath = "" }), NullLoggerFactory.Instance));

    [Theory]
    [InlineData("2026-12-10T15:00:00Z", 10_000_000L, 31_000_000L)]
    [InlineData("2026-12-01T00:30:00Z", 1_000_000L, 31_000_000L)]
    [InlineData("2026-12-31T23:00:00Z", 7_000_000L, 7_000_000L)]
    [InlineData("2027-02-14T12:00:00Z", 1_000_000L, 2_000_000L)]
    [InlineData("2026-11-03T08:00:00Z", 100L, 1_000L)]
    [InlineData("2026-12-05T08:00:00Z", 0L, 0L)]
    public void Forecast_SpendPerElapsedDayTimesDaysInMonth(string now, long spent, long expected)
    {
        Assert.Equal(expected, SpendForecast.ForMonth(spent, DateTimeOffset.Parse(now, CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData(1_500_000L, "de", "1,50\u00a0€")]
    [InlineData(1_500_000L, "en", "€1.50")]
    [InlineData(1_234_567_000L, "de", "1.234,57\u00a0€")]
    [InlineData(1_234_567_000L, "en", "€1,234.57")]
    [InlineData(125_000L, "de", "12,5\u00a0ct")]
    [InlineData(125_000L, "en", "12.5\u00a0ct")]
    [InlineData(8L, "de", "0,0008\u00a0ct")]
    [InlineData(0L, "en", "€0.00")]
    public void Readable_EuroFromOneEuroCentsBelow_InTheCulturesFormat(long micros, string culture, string expected)
    {
        // ICU picks the space before "€" (no-break or narrow no-break); any space reads the same.
        Assert.Equal(expected.Replace('\u00a0', ' '), System.Text.RegularExpressions.Regex.Replace(Money.Readable(micros, CultureInfo.GetCultureInfo(culture)), @"\p{Zs}", " "));
    }

    [Theory]
    [InlineData(340_000L, 1.5, "de", "1,5\u00a0ct")]
    [InlineData(340_000L, 1.5, "en", "1.5\u00a0ct")]
    [InlineData(25_000_000L, 20, "de", "20\u00a0€")]
    public void ChartTick_CarriesTheUnitInTheCulturesNumberFormat(long maxMicros, double tick, string culture, string expected)
    {
        Assert.Equal(expected, ChartScale.For(maxMicros).Tick(tick, CultureInfo.GetCultureInfo(culture)));
    }

    [Fact]
    public void Range_DefaultIsTheCurrentMonth_CheckRefusesReversedAndTooLongPeriods()
    {
        var december = UsageRange.CurrentMonth(DateTimeOffset.Parse("2026-12-02T00:40:00Z", CultureInfo.InvariantCulture));
        Assert.Equal((new DateOnly(2026, 12, 1), new DateOnly(2026, 12, 31), 31), (december.From, december.To, december.Days));
        Assert.Equal((DateTimeOffset.Parse("2026-12-01T00:00:00Z", CultureInfo.InvariantCulture), DateTimeOffset.Parse("2027-01-01T00:00:00Z", CultureInfo.InvariantCulture)), (december.Start, december.End));

        Assert.Equal(UsageRangeProblem.None, UsageRange.Check(new DateOnly(2026, 5, 5), new DateOnly(2026, 5, 5)));
        Assert.Equal(UsageRangeProblem.FromAfterTo, UsageRange.Check(new DateOnly(2026, 5, 6), new DateOnly(2026, 5, 5)));
        Assert.Equal(UsageRangeProblem.None, UsageRange.Check(new DateOnly(2026, 1, 1), new DateOnly(2027, 1, 1)));
        Assert.Equal(UsageRangeProblem.TooLong, UsageRange.Check(new DateOnly(2026, 1, 1), new DateOnly(2027, 1, 2)));
    }

    [Fact]
    public void Source_SelectsExactlyThePortalsOrOneKeysRows()
    {
        var key1 = Guid.NewGuid();
        var key2 = Guid.NewGuid();
        UsageEvent[] rows = [new() { ApiKeyId = null }, new() { ApiKeyId = key1 }, new() { ApiKeyId = key2 }, new() { ApiKeyId = key1 }];

        Assert.Equal(4, rows.Count(UsageSource.All.Includes));
        Assert.Equal([rows[0]], rows.Where(UsageSource.Portal.Includes));
        Assert.Equal([rows[1], rows[3]], rows.Where(UsageSource.Key(key1).Includes));
        Assert.DoesNotContain(rows, UsageSource.Key(Guid.NewGuid()).Includes);
    }

    [Fact]
    public void PerDayAndPerMonth_CoverTheRangeAndSumOnlyItsDays()
    {
        var range = new UsageRange(new DateOnly(2026, 11, 29), new DateOnly(2026, 12, 2));
        UsageEvent[] rows =
        [
            new() { At = DateTimeOffset.Parse("2026-11-29T23:59:00Z", CultureInfo.InvariantCulture), AmountMicros = 5 },
            new() { At = DateTimeOffset.Parse("2026-12-02T10:00:00Z", CultureInfo.InvariantCulture), AmountMicros = 7 },
            new() { At = DateTimeOffset.Parse("2026-12-02T11:00:00Z", CultureInfo.InvariantCulture), AmountMicros = 1 },
        ];

        Assert.Equal([5L, 0, 0, 8], UsageReports.PerDay(rows, range).Select(d => d.AmountMicros));
        Assert.Equal([new DailySpend(new DateOnly(2026, 11, 1), 5), new DailySpend(new DateOnly(2026, 12, 1), 8)], UsageReports.PerMonth(rows, range));
        Assert.Equal("02.12.", UsageReports.DayLabel(new DateOnly(2026, 12, 2), CultureInfo.GetCultureInfo("de")));
        Assert.Equal("12/2", UsageReports.DayLabel(new DateOnly(2026, 12, 2), CultureInfo.GetCultureInfo("en")));
    }

    [Theory]
    [InlineData("en", "chat", "1,234 tokens in, 56 out")]
    [InlineData("de", "chat", "1.234 Tokens Eingabe, 56 Ausgabe")]
    [InlineData("en", "image", "1 image, 400×300, 1 step")]
    [InlineData("de", "image", "1 Bild, 400×300, 1 Schritt")]
    [InlineData("en", "images", "2 images, 512×512, 20 steps")]
    [InlineData("de", "images", "2 Bilder, 512×512, 20 Schritte")]
    [InlineData("en", "embedding", "embedding, 300 tokens")]
    [InlineData("de", "embedding", "Embedding, 300 Tokens")]
    public void Describe_ReadsLikeASentenceInTheReadersLanguage(string culture, string row, string expected)
    {
        var usage = row switch
        {
            "chat" => new UsageEvent { Kind = "chat", InputTokens = 1234, OutputTokens = 56 },
            "image" => new UsageEvent { Kind = "image", ImageCount = 1, Width = 400, Height = 300, Steps = 1 },
            "images" => new UsageEvent { Kind = "image", ImageCount = 2, Width = 512, Height = 512, Steps = 20 },
            _ => new UsageEvent { Kind = "embedding", InputTokens = 300 },
        };
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
        try
        {
            Assert.Equal(expected, UsageText.Describe(usage, B, CultureInfo.GetCultureInfo(culture)));
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }
}
