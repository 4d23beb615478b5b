using System.Text;

namespace PromptLeo.Web.Features.Chat;

/// <summary>
/// The answer the chat page is following: its stop switch, the text so far, the queue position, and which run is the
/// current one (a page that moved on ignores the updates of an older run, which the service still stores).
/// </summary>
internal sealed class ChatStream
{
    private CancellationTokenSource? stop;

    public bool Active => stop is not null;

    public int Generation { get; private set; }

    public string PendingUserText { get; private set; } = "";

    public StringBuilder Answer { get; } = new();

    /// <summary>Reasoning of a thinking model, streamed before the answer.</summary>
    public StringBuilder Thinking { get; } = new();

    public int? QueuePosition { get; set; }

    /// <summary>Messages from this position on are replaced by the running turn.</summary>
    public int ReplaceFrom { get; private set; }

    /// <summary>Starts following a new answer; returns its generation and the token that stops it.</summary>
    public (int Generation, CancellationToken Stop) Begin(string userText, int replaceFrom)
    {
        PendingUserText = userText;
        ReplaceFrom = replaceFrom;
        Answer.Clear();
        Thinking.Clear();
        QueuePosition = null;
        stop = new CancellationTokenSource();
        return (++Generation, stop.Token);
    }

    public bool IsCurrent(int generation) => generation == Generation;

    public void Stop() => stop?.Cancel();

    public void End()
    {
        stop?.Dispose();
        stop = null;
        QueuePosition = null;
    }

    /// <summary>Stops following without cancelling: the answer is still stored when it ends.</summary>
    public void Detach()
    {
        if (Active)
        {
            Generation++;
            stop = null;
        }
    }
}
