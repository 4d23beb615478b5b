namespace PromptLeo.Web.Features.Breaches;

/// <summary>The admin pages' incident times: UTC, to the minute (the pickers choose no seconds).</summary>
public static class BreachTime
{
    public static DateTimeOffset ToMinute(DateTimeOffset value)
    {
        var utc = value.UtcDateTime;
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, TimeSpan.Zero);
    }
}
