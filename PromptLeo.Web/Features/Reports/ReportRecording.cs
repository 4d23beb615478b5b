namespace PromptLeo.Web.Features.Reports;

/// <summary>One table's header as laid out: the lines each header cell was wrapped into and the font size used.</summary>
public sealed record TableHeaderLayout(IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Lines, double FontSize);

/// <summary>
/// What the documents rendered in this async flow handed out: every text pair <see cref="ReportText.T"/> chose from,
/// every table header layout and every document language. Off unless started, so production pays one AsyncLocal read.
/// The language test and the header test use it to check every document without knowing its text.
/// </summary>
public sealed class ReportRecording : IDisposable
{
    private static readonly AsyncLocal<ReportRecording?> Active = new();
    private readonly ReportRecording? previous;
    private readonly object gate = new();

    private ReportRecording(ReportRecording? previous) => this.previous = previous;

    public List<(string English, string German)> Pairs { get; } = [];

    public List<TableHeaderLayout> TableHeaders { get; } = [];

    /// <summary>How many H2 headings the tagged documents hold.</summary>
    public int Headings { get; private set; }

    public static ReportRecording Start()
    {
        var recording = new ReportRecording(Active.Value);
        Active.Value = recording;
        return recording;
    }

    internal static void Pair(string english, string german)
    {
        if (Active.Value is { } recording)
        {
            lock (recording.gate)
            {
                recording.Pairs.Add((english, german));
            }
        }
    }

    internal static void Header(TableHeaderLayout layout)
    {
        if (Active.Value is { } recording)
        {
            lock (recording.gate)
            {
                recording.TableHeaders.Add(layout);
            }
        }
    }

    internal static void Heading()
    {
        if (Active.Value is { } recording)
        {
            lock (recording.gate)
            {
                recording.Headings++;
            }
        }
    }

    public void Dispose() => Active.Value = previous;
}
