using PromptLeo.Inference.Llm;

namespace PromptLeo.Tests.Inference.Llm;

public sealed class TokenLogProbsTests
{
    private static float[] RandomLogits(int count, float scale, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale))];
    }

    [Theory]
    [InlineData(32_000, 10f)]
    [InlineData(151_936, 30f)]
    [InlineData(50, 1e-3f)]
    public void LogSoftmax_FullVocabulary_ExponentialsSumToOne(int vocabulary, float scale)
    {
        var logits = RandomLogits(vocabulary, scale, seed: vocabulary);
        var logProbs = new float[vocabulary];

        TokenLogProbs.LogSoftmax(logits, logProbs);

        Assert.All(logProbs, p => Assert.True(p <= 0 && float.IsFinite(p), $"{p}"));
        Assert.Equal(1.0, logProbs.Sum(p => Math.Exp(p)), 3);
    }

    [Fact]
    public void LogSoftmax_HugeLogits_NoOverflowAndShiftInvariant()
    {
        float[] logits = [1000f, 999f, 998f, -1000f];
        float[] shifted = [0f, -1f, -2f, -2000f];
        var logProbs = new float[4];
        var shiftedLogProbs = new float[4];

        TokenLogProbs.LogSoftmax(logits, logProbs);
        TokenLogProbs.LogSoftmax(shifted, shiftedLogProbs);

        Assert.All(logProbs, p => Assert.False(float.IsNaN(p)));
        Assert.Equal(1.0, logProbs.Sum(p => Math.Exp(p)), 4); // float spacing near 1000 is 6e-5
        for (var i = 0; i < 3; i++)
            Assert.Equal(shiftedLogProbs[i], logProbs[i], 4);
        // The ratio of two probabilities is e^(difference of logits).
        Assert.Equal(1.0, logProbs[0] - logProbs[1], 4);
    }

    [Fact]
    public void TopIndices_RandomValues_LargestFirstAndEqualToAFullSort()
    {
        var values = RandomLogits(10_000, 5f, seed: 7);

        var top = TokenLogProbs.TopIndices(values, TokenLogProbs.MaxTop);

        var expected = values.Select((v, i) => (v, i)).OrderByDescending(x => x.v).ThenBy(x => x.i).Take(TokenLogProbs.MaxTop).Select(x => x.i);
        Assert.Equal(expected, top);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(5, 3)]
    public void TopIndices_CountAboveOrZero_ClampedToWhatExists(int count, int length)
    {
        var top = TokenLogProbs.TopIndices(new float[length], count);

        Assert.Equal(Math.Min(count, length), top.Length);
    }
}
