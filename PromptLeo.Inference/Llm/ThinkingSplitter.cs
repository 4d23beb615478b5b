using System.Text;
using LLama;

namespace PromptLeo.Inference.Llm;

/// <summary>
/// Moves a thinking model's leading <c>&lt;think&gt;…&lt;/think&gt;</c> block out of the streamed text into
/// <see cref="ChatUpdate.ReasoningDelta"/>, as it streams, and counts the tokens spent in it.
/// </summary>
/// <remarks>
/// Only a block at the very start of the answer (after whitespace) is reasoning, as Qwen3 and DeepSeek-R1 write it; a
/// tag later in the answer is answer text. Whitespace around the reasoning and before the answer is dropped, as Qwen3's
/// own template does when it reads an answer back.
/// </remarks>
/// <param name="promptClosedBlock">The prompt already ends with the (empty) think block: all output is answer.</param>
internal sealed class ThinkingSplitter(bool promptClosedBlock = false)
{
    public const string Open = "<think>";
    public const string Close = "</think>";

    /// <summary>What Qwen3's template appends to the generation prompt for <c>enable_thinking=false</c>.</summary>
    public const string EmptyBlock = "<think>\n\n</think>\n\n";

    private enum Phase { Start, Thinking, AfterThinking, Answer }

    private readonly StringBuilder _held = new();
    private Phase _phase = promptClosedBlock ? Phase.AfterThinking : Phase.Start;
    private int _reasoningTokens;
    private bool _reasoningStarted;
    private bool _thinkingInThisUpdate;

    /// <summary>True when the vocabulary has <c>&lt;think&gt;</c> and <c>&lt;/think&gt;</c> as single tokens (Qwen3, DeepSeek-R1, QwQ).</summary>
    public static bool IsThinkingModel(LLamaWeights weights) => IsSingleToken(weights, Open) && IsSingleToken(weights, Close);

    private static bool IsSingleToken(LLamaWeights weights, string text) =>
        weights.Tokenize(text, add_bos: false, special: true, Encoding.UTF8) is [var token]
        && weights.Vocab.LLamaTokenToString(token, isSpecialToken: true) == text;

    /// <summary>Splits the text of <paramref name="update"/>; call once per update, in order.</summary>
    public ChatUpdate Split(ChatUpdate update)
    {
        var final = update.FinishReason is not null;
        _held.Append(update.TextDelta);
        var reasoning = new StringBuilder();
        var text = new StringBuilder();
        _thinkingInThisUpdate = false;
        while (Step(reasoning, text, final))
            continue;

        // Tokens count as reasoning up to the update that closes the block (or all of them while it stays open).
        if (_thinkingInThisUpdate)
            _reasoningTokens = update.CompletionTokens;
        // Log probabilities cover answer tokens only: those of the updates counted as reasoning are left out.
        return update with
        {
            TextDelta = text.ToString(),
            ReasoningDelta = reasoning.ToString(),
            ReasoningTokens = _reasoningTokens,
            LogProbs = _thinkingInThisUpdate ? [] : update.LogProbs,
        };
    }

    // One move of the state machine; true when it changed phase and the held text needs another look.
    private bool Step(StringBuilder reasoning, StringBuilder text, bool final)
    {
        var held = _held.ToString();
        switch (_phase)
        {
            case Phase.Start:
                var start = held.TrimStart();
                if (start.StartsWith(Open, StringComparison.Ordinal))
                    return Move(Phase.Thinking, start[Open.Length..].TrimStart());
                if (!final && (start.Length == 0 || Open.StartsWith(start, StringComparison.Ordinal)))
                    return false; // could still become the opening tag
                return Move(Phase.Answer, held);
            case Phase.Thinking:
                _thinkingInThisUpdate = true;
                if (!_reasoningStarted)
                {
                    held = held.TrimStart();
                    _held.Clear().Append(held);
                }

                var close = held.IndexOf(Close, StringComparison.Ordinal);
                if (close >= 0)
                {
                    reasoning.Append(held.AsSpan(0, close).TrimEnd());
                    return Move(Phase.AfterThinking, held[(close + Close.Length)..]);
                }

                // Hold back a tail that may be the start of the closing tag, and trailing whitespace that may precede it.
                var keep = final ? held.Length : SafeLength(held);
                reasoning.Append(final ? held.TrimEnd() : held[..keep]);
                _held.Remove(0, keep);
                _reasoningStarted |= keep > 0;
                return false;
            case Phase.AfterThinking:
                var answer = held.TrimStart();
                if (answer.Length == 0)
                {
                    _held.Clear();
                    return false;
                }

                return Move(Phase.Answer, answer);
            default:
                text.Append(held);
                _held.Clear();
                return false;
        }
    }

    private bool Move(Phase phase, string held)
    {
        _phase = phase;
        _held.Clear().Append(held);
        return true;
    }

    private static int SafeLength(string held)
    {
        var tail = Math.Min(held.Length, Close.Length - 1);
        while (tail > 0 && !held.EndsWith(Close[..tail], StringComparison.Ordinal))
            tail--;
        var end = held.Length - tail;
        while (end > 0 && char.IsWhiteSpace(held[end - 1]))
            end--;
        return end;
    }
}
