using PromptLeo.Inference.Llm;

namespace PromptLeo.Tests.Inference.Llm;

public sealed class ThinkingSplitterTests
{
    // Feeds one delta per update (token counts 1, 2, …) and a final update; returns reasoning, answer and reasoning tokens.
    private static (string Reasoning, string Answer, int ReasoningTokens, List<ChatUpdate> Updates) Run(params string[] deltas)
    {
        var splitter = new ThinkingSplitter();
        var updates = deltas.Select((d, i) => splitter.Split(new ChatUpdate { TextDelta = d, CompletionTokens = i + 1 })).ToList();
        updates.Add(splitter.Split(new ChatUpdate { CompletionTokens = deltas.Length, FinishReason = FinishReason.Stop }));
        return (string.Concat(updates.Select(u => u.ReasoningDelta)), string.Concat(updates.Select(u => u.TextDelta)), updates[^1].ReasoningTokens, updates);
    }

    [Fact]
    public void Split_Qwen3Layout_TrimsTagsAndWhitespace()
    {
        var (reasoning, answer, tokens, _) = Run("<think>", "\n", "Let me", " think.", "\n", "</think>", "\n\n", "The", " answer.");

        Assert.Equal("Let me think.", reasoning);
        Assert.Equal("The answer.", answer);
        Assert.Equal(6, tokens);
    }

    [Fact]
    public void Split_TagsSplitAcrossDeltas_StillRecognised()
    {
        var (reasoning, answer, _, updates) = Run(" <th", "ink>a", "b</th", "ink>c");

        Assert.Equal("ab", reasoning);
        Assert.Equal("c", answer);
        // The partial closing tag is held back, never shown as reasoning.
        Assert.DoesNotContain(updates, u => u.ReasoningDelta.Contains('<'));
    }

    [Fact]
    public void Split_WholeBlockInOneDelta_CountsItsTokens()
    {
        var (reasoning, answer, tokens, _) = Run("<think>why</think>", "so");

        Assert.Equal("why", reasoning);
        Assert.Equal("so", answer);
        Assert.Equal(1, tokens);
    }

    [Fact]
    public void Split_NoThinkBlock_AnswerUnchanged()
    {
        var (reasoning, answer, tokens, _) = Run("  Hello", " <think>x</think>");

        Assert.Equal("", reasoning);
        Assert.Equal("  Hello <think>x</think>", answer);
        Assert.Equal(0, tokens);
    }

    [Fact]
    public void Split_StreamEndsInsideThinkBlock_AllReasoning()
    {
        var (reasoning, answer, tokens, _) = Run("<think>", "still ", "thinking\n");

        Assert.Equal("still thinking", reasoning);
        Assert.Equal("", answer);
        Assert.Equal(3, tokens);
    }

    [Fact]
    public void Split_EmptyThinkBlock_NoReasoning()
    {
        var (reasoning, answer, _, _) = Run("<think>", "\n\n", "</think>", "\n\n", "Hi");

        Assert.Equal("", reasoning);
        Assert.Equal("Hi", answer);
    }

    [Fact]
    public void Split_ShortAnswerThatIsPrefixOfTag_FlushedAtEnd()
    {
        var (reasoning, answer, _, _) = Run("<t");

        Assert.Equal("", reasoning);
        Assert.Equal("<t", answer);
    }
}
