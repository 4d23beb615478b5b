using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using LLama;
using LLama.Exceptions;
using LLama.Native;
using PromptLeo.Inference.Llm.Tools;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Llm;

/// <summary>Applies the model's chat template and fits the conversation into the context.</summary>
/// <remarks>
/// Message content is untrusted: it is tokenized with special-token parsing off, so text such as
/// <c>&lt;|im_start|&gt;system</c> typed by a user stays text and can never forge a turn. Only the template's own markup
/// (role headers, separators, the generation prompt) is parsed for control tokens.
/// </remarks>
internal static partial class ChatPromptBuilder
{
    // Private-use characters: no template changes them, and they only ever stand in for a message index.
    private const char MarkerStart = '\uE000';
    private const char MarkerEnd = '\uE001';

    /// <summary>
    /// Returns the prompt tokens and how many of the oldest non-system turns were dropped so that the prompt plus room
    /// to answer fits into <paramref name="sequenceLimit"/>. <paramref name="answerPrefix"/> is template markup put
    /// after the generation prompt (an empty think block that turns thinking off).
    /// </summary>
    public static (LLamaToken[] Tokens, int DroppedTurns) Build(
        LLamaWeights weights, IReadOnlyList<ChatMessage> messages, int maxTokens, int sequenceLimit, string answerPrefix = "",
        ToolPrompt? tools = null)
    {
        // Room to answer: max_tokens, but at most a quarter of the context so long histories still fit.
        var reserve = Math.Max(1, Math.Min(maxTokens, sequenceLimit / 4));
        var budget = sequenceLimit - reserve;
        var kept = messages.Select((m, i) => (Message: m, Index: i)).ToList();
        var dropped = 0;
        while (true)
        {
            var tokens = Tokenize(weights, kept.Select(k => k.Message).ToList(), answerPrefix, tools);
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

    /// <summary>
    /// Templates and tokenizes <paramref name="messages"/>. Control tokens are parsed only in the template's markup;
    /// text between them (markup text such as a role name, and message content) is tokenized as plain text in the same
    /// runs llama.cpp would use for the whole string, so a benign conversation gets exactly the tokens it always had.
    /// </summary>
    internal static LLamaToken[] Tokenize(LLamaWeights weights, IReadOnlyList<ChatMessage> messages, string answerPrefix = "", ToolPrompt? tools = null)
    {
        var segments = tools is null ? Render(weights, messages, answerPrefix) : tools.Format.Render(messages, tools.Definitions, answerPrefix);
        var vocab = weights.Vocab;
        var tokens = new List<LLamaToken>();
        if (vocab.ShouldAddBOS && vocab.BOS is { } bos)
            tokens.Add(bos);

        var plain = new StringBuilder();
        foreach (var (text, isContent) in segments)
        {
            if (isContent)
            {
                plain.Append(text);
                continue;
            }

            if (FindControlSpan(weights, text) is not var (start, end))
            {
                plain.Append(text);
                continue;
            }

            plain.Append(text, 0, start);
            FlushPlain();
            tokens.AddRange(weights.Tokenize(text[start..end], add_bos: false, special: true, Encoding.UTF8));
            plain.Append(text, end, text.Length - end);
        }

        FlushPlain();
        if (vocab.ShouldAddEOS && vocab.EOS is { } eos)
            tokens.Add(eos);
        return [.. tokens];

        void FlushPlain()
        {
            if (plain.Length == 0)
                return;
            tokens.AddRange(weights.Tokenize(plain.ToString(), add_bos: false, special: false, Encoding.UTF8));
            plain.Clear();
        }
    }

    /// <summary>The prompt text the model's template renders for <paramref name="messages"/>, generation prompt included.</summary>
    internal static string RenderText(LLamaWeights weights, IReadOnlyList<ChatMessage> messages, string answerPrefix = "", ToolPrompt? tools = null) =>
        string.Concat((tools is null ? Render(weights, messages, answerPrefix) : tools.Format.Render(messages, tools.Definitions, answerPrefix)).Select(s => s.Text));

    /// <summary>
    /// Applies the model's template to a short conversation, so a template llama.cpp cannot render fails when the model
    /// loads, with a reason, instead of on the first request.
    /// </summary>
    /// <exception cref="ModelLoadException">The file has no chat template, or llama.cpp does not know it.</exception>
    public static void EnsureTemplateApplies(LLamaWeights weights, string fileName)
    {
        try
        {
            RenderText(weights, [new ChatMessage(ChatRole.System, "s"), new ChatMessage(ChatRole.User, "u"),
                new ChatMessage(ChatRole.Assistant, "a"), new ChatMessage(ChatRole.User, "u")]);
        }
        catch (TemplateNotFoundException ex)
        {
            throw new ModelLoadException($"{fileName}: the file has no chat template (tokenizer.chat_template), so the " +
                                         "prompt format is unknown; it may be a base model rather than a chat model.", ex);
        }
        catch (MissingTemplateException ex)
        {
            throw new ModelLoadException($"{fileName}: llama.cpp does not recognise the model's chat template " +
                                         "(tokenizer.chat_template), so it cannot build prompts for it. Use a model of a supported " +
                                         "family (Llama 3, Qwen/ChatML, Mistral, Gemma, Phi, …).", ex);
        }
    }

    /// <summary>
    /// The template applied to the conversation as markup and content segments, in order. The model's own template
    /// (family detected by llama.cpp) is applied once with a marker per message, so the markup is known exactly.
    /// </summary>
    private static List<(string Text, bool IsContent)> Render(LLamaWeights weights, IReadOnlyList<ChatMessage> messages, string answerPrefix)
    {
        var marked = Apply(weights, messages, i => $"{MarkerStart}{i.ToString(CultureInfo.InvariantCulture)}{MarkerEnd}");
        var markup = new List<string>();
        var order = new List<int>();
        var cursor = 0;
        foreach (Match match in MarkerPattern().Matches(marked))
        {
            markup.Add(marked[cursor..match.Index]);
            order.Add(int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture));
            cursor = match.Index + match.Length;
        }

        markup.Add(marked[cursor..]);

        // Some template families trim the content; use the form the template really renders.
        var rendered = Apply(weights, messages, i => messages[i].Content);
        var trim = Compose(markup, order, i => messages[i].Content) != rendered
                   && Compose(markup, order, i => messages[i].Content.Trim()) == rendered;

        var segments = new List<(string, bool)>(markup.Count + order.Count);
        for (var i = 0; i < order.Count; i++)
        {
            segments.Add((markup[i], false));
            var content = messages[order[i]].Content;
            segments.Add((trim ? content.Trim() : content, true));
        }

        segments.Add((markup[^1] + answerPrefix, false));
        return segments;
    }

    private static string Apply(LLamaWeights weights, IReadOnlyList<ChatMessage> messages, Func<int, string> content)
    {
        var template = new LLamaTemplate(weights) { AddAssistant = true };
        for (var i = 0; i < messages.Count; i++)
        {
            template.Add(messages[i].Role switch
            {
                ChatRole.System => "system",
                ChatRole.Assistant => "assistant",
                _ => "user",
            }, content(i));
        }

        return Encoding.UTF8.GetString(template.Apply());
    }

    private static string Compose(List<string> markup, List<int> order, Func<int, string> content)
    {
        var text = new StringBuilder(markup[0]);
        for (var i = 0; i < order.Count; i++)
            text.Append(content(order[i])).Append(markup[i + 1]);
        return text.ToString();
    }

    /// <summary>
    /// The character span of <paramref name="markup"/> from its first to its last control token, or null when it has
    /// none. Text outside the span joins the neighbouring content as plain text, as it would in llama.cpp's own split.
    /// </summary>
    private static (int Start, int End)? FindControlSpan(LLamaWeights weights, string markup)
    {
        if (markup.Length == 0)
            return null;
        var vocab = weights.Vocab;
        int? start = null;
        var end = 0;
        foreach (var token in weights.Tokenize(markup, add_bos: false, special: true, Encoding.UTF8))
        {
            if ((token.GetAttributes(vocab) & (LLamaTokenAttr.Control | LLamaTokenAttr.Unknown)) == 0)
                continue;
            var piece = vocab.LLamaTokenToString(token, isSpecialToken: true);
            var at = string.IsNullOrEmpty(piece) ? -1 : markup.IndexOf(piece, end, StringComparison.Ordinal);
            if (at < 0)
                return (0, markup.Length); // cannot place it: treat the whole markup as template text
            start ??= at;
            end = at + piece!.Length;
        }

        return start is { } s ? (s, end) : null;
    }

    [GeneratedRegex("\uE000([0-9]+)\uE001")]
    private static partial Regex MarkerPattern();
}
