namespace PromptLeo.Web.Features.Billing;

/// <summary>Why a date range the billing page was given cannot be shown.</summary>
public enum UsageRangeProblem
{
    None,
    FromAfterTo,
    TooLong,
}

/// <summary>
/// The days (UTC, both ends included) whose usage the billing page shows; the default is the current month. At most
/// <see cref="MaxDays"/> days, so a page never loads years of ledger rows at once.
/// </summary>
public readonly record struct UsageRange(DateOnly From, DateOnly To)
{
    public const int MaxDays = 366;

    public DateTimeOffset Start => new(From.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>The exclusive end: midnight after <see cref="To"/>.</summary>
    public DateTimeOffset End => new(To.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public int Days => To.DayNumber - From.DayNumber + 1;

    public static UsageRange CurrentMonth(DateTimeOffset now)
    {
        var first = new DateOnly(now.UtcDateTime.Year, now.UtcDateTime.Month, 1);
        return new UsageRange(first, first.AddMonths(1).AddDays(-1));
    }

    public static UsageRangeProblem Check(DateOnly from, DateOnly to) =>
        from > to ? UsageRangeProblem.FromAfterTo : to.DayNumber - from.DayNumber + 1 > MaxDays ? UsageRangeProblem.TooLong : UsageRangeProblem.None;
}

/// <summary>Which requests the billing page shows: all, the portal's own (no key), or one API key's.</summary>
public readonly record struct UsageSource(Guid? ApiKeyId, bool PortalOnly)
{
    public static UsageSource All => default;

    public static UsageSource Portal => new(null, true);

    public static UsageSource Key(Guid id) => new(id, false);

    public bool Includes(Data.UsageEvent usage) =>
        PortalOnly ? usage.ApiKeyId is null : ApiKeyId is not { } key || usage.ApiKeyId == key;
}

/// <summary>
/// The month's projected spend, linear: what was spent so far, divided by the days elapsed (today counts as one), times
/// the days in the month. On the first day that is the first day's spend times the month's length.
/// </summary>
public static class SpendForecast
{
    public static long ForMonth(long monthToDateMicros, DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        var daysInMonth = DateTime.DaysInMonth(utc.Year, utc.Month);
        return (long)Math.Round(monthToDateMicros / (decimal)utc.Day * daysInMonth, MidpointRounding.AwayFromZero);
    }
}
