namespace PromptLeo.Web.Features.Chat;

/// <summary>
/// How an answer with a thinking model's reasoning is kept in the one encrypted message text: the reasoning first, in
/// the <c>&lt;think&gt;…&lt;/think&gt;</c> tags the model wrote it in, then the answer. So the reasoning is encrypted,
/// exported and erased with the answer, and needs no column of its own.
/// </summary>
public static class ChatAnswerText
{
    private const string Open = "<think>";
    private const string Close = "</think>";

    /// <summary>The stored text for an answer and its reasoning (none when null or empty).</summary>
    public static string Compose(string? thinking, string answer) =>
        // An answer that itself starts with the tag gets an empty block first, so reading it back cannot mistake it.
        !string.IsNullOrEmpty(thinking) || answer.StartsWith(Open, StringComparison.Ordinal)
            ? Open + thinking + Close + answer
            : answer;

    /// <summary>The reasoning (null when there is none) and the answer of a stored assistant text.</summary>
    public static (string? Thinking, string Answer) Split(string stored)
    {
        if (!stored.StartsWith(Open, StringComparison.Ordinal) || stored.IndexOf(Close, Open.Length, StringComparison.Ordinal) is not (>= 0 and var close))
        {
            return (null, stored);
        }
        var thinking = stored[Open.Length..close];
        return (thinking.Length > 0 ? thinking : null, stored[(close + Close.Length)..]);
    }

    /// <summary>A stored message of <paramref name="role"/>: only assistant texts carry reasoning.</summary>
    public static (string? Thinking, string Content) SplitMessage(string role, string stored) =>
        role == ChatRoles.Assistant ? Split(stored) : (null, stored);
}
