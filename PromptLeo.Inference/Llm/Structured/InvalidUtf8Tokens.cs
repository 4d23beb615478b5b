using System.Runtime.CompilerServices;
using LLama;
using LLama.Native;

namespace PromptLeo.Inference.Llm.Structured;

/// <summary>
/// Tokens holding a byte that never occurs in UTF-8 (0xC0, 0xC1, 0xF5–0xFF). llama.cpp's grammar decodes such bytes
/// leniently as characters, so under a grammar they would pass as string characters and come out as U+FFFD; banning
/// them keeps a constrained string's length as the grammar counted it.
/// </summary>
internal static class InvalidUtf8Tokens
{
    private static readonly ConditionalWeakTable<LLamaWeights, IReadOnlyDictionary<LLamaToken, float>> Cache = [];

    /// <summary>A logit bias of minus infinity for each such token of the model.</summary>
    public static IReadOnlyDictionary<LLamaToken, float> Ban(LLamaWeights weights) => Cache.GetValue(weights, static w =>
    {
        var banned = new Dictionary<LLamaToken, float>();
        Span<byte> piece = stackalloc byte[256];
        for (var id = 0; id < w.Vocab.Count; id++)
        {
            var length = (int)w.NativeHandle.TokenToSpan(id, piece);
            if (length > piece.Length)
                continue;
            foreach (var b in piece[..length])
            {
                if (b is 0xC0 or 0xC1 or >= 0xF5)
                {
                    banned[id] = float.NegativeInfinity;
                    break;
                }
            }
        }

        return banned;
    });
}
