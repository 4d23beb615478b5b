using System.Text;
using PromptLeo.Web.Features.Knowledge;

namespace PromptLeo.Bench.Knowledge;

/// <summary>
/// Chunks like a real collection's, reproducible from a seed: random unit vectors, and about 150 words per chunk
/// drawn from a 30,000-word vocabulary with Zipf frequencies (as natural language has). The query vector is close to
/// one chunk (cosine about 0.8); the query text is a common word (in about 5 % of the chunks) and a rare one.
/// </summary>
public sealed class SyntheticCorpus
{
    private const int Vocabulary = 30_000;
    private const int WordsPerChunk = 150;

    public required List<IndexedChunk> Chunks { get; init; }

    public required float[] QueryVector { get; init; }

    public required string QueryText { get; init; }

    /// <summary>The most frequent word and the common one: nearly every chunk is a candidate (the worst case of fusion).</summary>
    public required string CommonQueryText { get; init; }

    public static SyntheticCorpus Create(int count, int dimensions, int seed = 1)
    {
        var random = new Random(seed);
        var words = Enumerable.Range(0, Vocabulary).Select(Word).ToArray();
        var cumulative = new double[Vocabulary];
        var total = 0.0;
        for (var rank = 0; rank < Vocabulary; rank++)
        {
            total += 1.0 / (rank + 1);
            cumulative[rank] = total;
        }
        var collection = Guid.NewGuid();
        var chunks = new List<IndexedChunk>(count);
        var text = new StringBuilder();
        for (var index = 0; index < count; index++)
        {
            text.Clear();
            for (var word = 0; word < WordsPerChunk; word++)
            {
                var position = Array.BinarySearch(cumulative, random.NextDouble() * total);
                text.Append(words[position < 0 ? ~position : position]).Append(word % 12 == 11 ? ". " : " ");
            }
            chunks.Add(new IndexedChunk(Guid.NewGuid(), collection, RandomUnit(random, dimensions), text.ToString()));
        }
        var target = chunks[count / 2].Vector;
        var noise = RandomUnit(random, dimensions);
        var query = new float[dimensions];
        for (var dimension = 0; dimension < dimensions; dimension++)
        {
            query[dimension] = 0.8f * target[dimension] + 0.6f * noise[dimension];
        }
        return new SyntheticCorpus { Chunks = chunks, QueryVector = query, QueryText = $"{words[300]} {words[5_000]}", CommonQueryText = $"{words[0]} {words[300]}" };
    }

    /// <summary>A pronounceable, unique word for a vocabulary rank (base-20 syllables).</summary>
    private static string Word(int rank)
    {
        string[] syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "be", "so", "di", "fu", "ga", "he", "ji", "pu", "ze", "vo", "wa", "xi", "ya", "qu"];
        var word = new StringBuilder("w");
        do
        {
            word.Append(syllables[rank % syllables.Length]);
            rank /= syllables.Length;
        }
        while (rank > 0);
        return word.ToString();
    }

    private static float[] RandomUnit(Random random, int dimensions)
    {
        var vector = new float[dimensions];
        var norm = 0.0;
        for (var dimension = 0; dimension < dimensions; dimension++)
        {
            // Sum of uniforms: close enough to Gaussian for a direction spread over the sphere.
            var value = (float)(random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5);
            vector[dimension] = value;
            norm += value * value;
        }
        var scale = (float)(1 / Math.Sqrt(norm));
        for (var dimension = 0; dimension < dimensions; dimension++)
        {
            vector[dimension] *= scale;
        }
        return vector;
    }
}
