using System.Numerics.Tensors;
using System.Text;
using LLama;
using LLama.Native;

namespace PromptLeo.Inference.Llm;

/// <summary>
/// Log probabilities of the model's own distribution at one position: a log-softmax over the raw logits, before
/// penalties, temperature, top-k/top-p/min-p and any grammar (as OpenAI reports them).
/// </summary>
internal static class TokenLogProbs
{
    public const int MaxTop = 20;

    /// <summary>
    /// The log-normalizer of <paramref name="logits"/> (log of the sum of their exponentials), computed around the
    /// largest logit so no exponential overflows: <c>logprob(t) = logits[t] - LogSumExp(logits)</c>.
    /// </summary>
    public static float LogSumExp(ReadOnlySpan<float> logits, Span<float> scratch)
    {
        var max = TensorPrimitives.Max(logits);
        TensorPrimitives.Subtract(logits, max, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        return max + MathF.Log(TensorPrimitives.Sum(scratch));
    }

    /// <summary>Writes the log-softmax of <paramref name="logits"/> into <paramref name="destination"/>.</summary>
    public static void LogSoftmax(ReadOnlySpan<float> logits, Span<float> destination) =>
        TensorPrimitives.Subtract(logits, LogSumExp(logits, destination), destination);

    /// <summary>Indices of the <paramref name="count"/> largest values, largest first (ties: lower index first).</summary>
    public static int[] TopIndices(ReadOnlySpan<float> values, int count)
    {
        count = Math.Min(count, values.Length);
        var top = new int[count];
        var filled = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (filled == count && (count == 0 || values[i] <= values[top[count - 1]]))
                continue;
            // Insertion into the short sorted list; the common case (not in the top) is the single comparison above.
            var at = filled < count ? filled++ : count - 1;
            while (at > 0 && values[top[at - 1]] < values[i])
            {
                top[at] = top[at - 1];
                at--;
            }
            top[at] = i;
        }
        return top;
    }

    /// <summary>The entry for <paramref name="sampled"/> given the raw logits of its position.</summary>
    public static TokenLogProb Describe(LLamaWeights weights, ReadOnlySpan<float> logits, Span<float> scratch, LLamaToken sampled, int topCount)
    {
        var logNormalizer = LogSumExp(logits, scratch);
        var top = TopIndices(logits, topCount);
        var alternatives = new TokenAlternative[top.Length];
        for (var i = 0; i < top.Length; i++)
        {
            var bytes = Bytes(weights, top[i]);
            alternatives[i] = new TokenAlternative(Encoding.UTF8.GetString(bytes), logits[top[i]] - logNormalizer, bytes);
        }
        var sampledBytes = Bytes(weights, (int)sampled);
        return new TokenLogProb(Encoding.UTF8.GetString(sampledBytes), logits[(int)sampled] - logNormalizer, sampledBytes, alternatives);
    }

    // Rendered as the answer's decoder renders it: a control token (end of turn, BOS) has no text and no bytes.
    private static byte[] Bytes(LLamaWeights weights, int token)
    {
        Span<byte> buffer = stackalloc byte[256];
        var length = (int)weights.NativeHandle.TokenToSpan((LLamaToken)token, buffer, 0, false);
        return length <= buffer.Length ? buffer[..length].ToArray() : [];
    }
}
