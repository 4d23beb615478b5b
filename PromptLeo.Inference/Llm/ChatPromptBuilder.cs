using System.Text;
using LLama;
using LLama.Native;

namespace PromptLeo.Inference.Llm;

/// <summary>Applies the model's chat template and fits the conversation into the context.</summary>
internal static class ChatPromptBuilder
{
    /// <summary>
    /// Returns the prompt tokens and how many of the oldest non-system turns were dropped so that the prompt plus room
    /// to answer fits into <paramref name="sequenceLimit"/>.
    /// </summary>
    public static (LLamaToken[] Tokens, int DroppedTurns) Build(
        LLamaWeights weights, IReadOnlyList<ChatMessage> messages, int maxTokens, int sequenceLimit)
    {
        // Room to answer: max_tokens, but at most a quarter of the context so long histories still fit.
        var reserve = Math.Max(1, Math.Min(maxTokens, sequenceLimit / 4));
        var budget = sequenceLimit - reserve;
        var kept = messages.Select((m, i) => (Message: m, Index: i)).ToList();
        var dropped = 0;
        while (true)
        {
            var tokens = Tokenize(weights, kept.Select(k => k.Message));
            if (tokens.Length <= budget)
                return (tokens, dropped);

            var oldest = kept.FindIndex(k => k.Message.Role != ChatRole.System);
            if (oldest < 0 || oldest == kept.Count - 1)
            {
                var longest = kept.MaxBy(k => k.Message.Content.Length);
                throw new ChatRequestException($"messages[{longest.Index}].content",
                    $"The conversation needs {tokens.Length} tokens even after dropping older turns, but the model " +
                    $"accepts {budget} prompt tokens (context {sequenceLimit}, {reserve} kept free for the answer). Shorten the message.");
            }

            kept.RemoveAt(oldest);
            dropped++;
        }
    }

    private static LLamaToken[] Tokenize(LLamaWeights weights, IEnumerable<ChatMessage> messages)
    {
        var template = new LLamaTemplate(weights) { AddAssistant = true };
        foreach (var message in messages)
        {
            template.Add(message.Role switch
            {
                ChatRole.System => "system",
                ChatRole.Assistant => "assistant",
                _ => "user",
            }, message.Content);
        }

        var text = Encoding.UTF8.GetString(template.Apply());
        return weights.Tokenize(text, add_bos: true, special: true, Encoding.UTF8);
    }
}
