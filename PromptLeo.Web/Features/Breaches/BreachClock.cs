using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Breaches;

public enum BreachClockState
{
    Running,
    Overdue,
    NotifiedInTime,
    NotifiedLate,
}

/// <summary>The 72-hour notification clock of Art. 33(1), counted from when the controller became aware of the breach.</summary>
public readonly record struct BreachClock(DateTimeOffset Deadline, BreachClockState State, TimeSpan Remaining)
{
    public static readonly TimeSpan Period = TimeSpan.FromHours(72);

    public static DateTimeOffset DeadlineOf(BreachIncident incident) => incident.DiscoveredAt + Period;

    /// <summary>Whether notifying at <paramref name="at"/> is later than 72 hours after discovery.</summary>
    public static bool IsLate(BreachIncident incident, DateTimeOffset at) => at > DeadlineOf(incident);

    public static BreachClock At(BreachIncident incident, DateTimeOffset now)
    {
        var deadline = DeadlineOf(incident);
        if (incident.AuthorityNotifiedAt is { } notified)
        {
            return new(deadline, notified > deadline ? BreachClockState.NotifiedLate : BreachClockState.NotifiedInTime, deadline - notified);
        }
        var remaining = deadline - now;
        return new(deadline, remaining < TimeSpan.Zero ? BreachClockState.Overdue : BreachClockState.Running, remaining);
    }

    /// <summary>"71 h 05 min" for the absolute remaining or overdue time, rounded down to minutes.</summary>
    public string Duration
    {
        get
        {
            var span = Remaining.Duration();
            return $"{(int)span.TotalHours} h {span.Minutes:D2} min";
        }
    }
}
