using System.Buffers;
using System.Numerics.Tensors;

namespace PromptLeo.Web.Features.Knowledge.Retrieval;

/// <summary>Builds the exact in-memory <see cref="KnowledgeIndex"/>; stateless.</summary>
public sealed class KnowledgeIndexBuilder : IKnowledgeIndexBuilder
{
    public IKnowledgeIndex Build(IReadOnlyList<IndexedChunk> chunks) => KnowledgeIndex.Create(chunks);
}

/// <summary>
/// Exact hybrid search: the cosine of the query with every chunk (unit vectors in one contiguous n×d array, one
/// <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/> per chunk) and BM25 over an inverted
/// index (k1 1.2, b 0.75), fused by reciprocal rank (k 60). Candidates are the relevant chunks only: a query keyword
/// occurs, or the cosine reaches the minimum; both rankings are over the candidates.
/// </summary>
public sealed class KnowledgeIndex : IKnowledgeIndex
{
    private const double K1 = 1.2;
    private const double B = 0.75;
    private const int FusionK = 60;

    private readonly Guid[] ids;
    private readonly float[] vectors;
    private readonly int dimensions;
    private readonly Dictionary<string, int> terms;
    // Postings of term t are postingChunks/postingCounts[termStarts[t]..termStarts[t + 1]], in chunk order.
    private readonly int[] termStarts;
    private readonly int[] postingChunks;
    private readonly int[] postingCounts;
    private readonly int[] lengths;
    private readonly double averageLength;

    private KnowledgeIndex(Guid[] ids, float[] vectors, int dimensions, Dictionary<string, int> terms, int[] termStarts,
        int[] postingChunks, int[] postingCounts, int[] lengths, long termBytes)
    {
        this.ids = ids;
        this.vectors = vectors;
        this.dimensions = dimensions;
        this.terms = terms;
        this.termStarts = termStarts;
        this.postingChunks = postingChunks;
        this.postingCounts = postingCounts;
        this.lengths = lengths;
        averageLength = lengths.Length == 0 ? 0 : Math.Max(1, lengths.Average());
        ApproximateBytes = ids.Length * 16L + vectors.Length * 4L + lengths.Length * 4L + termStarts.Length * 4L
            + postingChunks.Length * 8L + termBytes;
    }

    public int Count => ids.Length;

    public int Dimensions => dimensions;

    public long ApproximateBytes { get; }

    public static KnowledgeIndex Create(IReadOnlyList<IndexedChunk> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var count = chunks.Count;
        var dimensions = count == 0 ? 0 : chunks[0].Vector.Length;
        if (count > 0 && dimensions == 0)
        {
            throw new ArgumentException("Chunk vectors must not be empty.", nameof(chunks));
        }
        var ids = new Guid[count];
        var vectors = new float[(long)count * dimensions];
        var terms = new Dictionary<string, int>(StringComparer.Ordinal);
        var chunkTerms = new (int[] Terms, int[] Counts)[count];
        var lengths = new int[count];
        long termBytes = 0;
        for (var index = 0; index < count; index++)
        {
            var chunk = chunks[index];
            if (chunk.Vector.Length != dimensions)
            {
                throw new ArgumentException($"Chunk {index} has {chunk.Vector.Length} dimensions, the first chunk {dimensions}; one index holds one embedding model's vectors.", nameof(chunks));
            }
            ids[index] = chunk.ChunkId;
            StoreUnit(chunk.Vector, vectors.AsSpan(index * dimensions, dimensions));
            var tokens = KeywordTokenizer.Tokenize(chunk.Text);
            lengths[index] = tokens.Count;
            var counts = new Dictionary<int, int>();
            foreach (var token in tokens)
            {
                if (!terms.TryGetValue(token, out var term))
                {
                    term = terms.Count;
                    terms.Add(token, term);
                    // The string (header + UTF-16) and its dictionary entry.
                    termBytes += 22 + token.Length * 2 + 24;
                }
                counts[term] = counts.GetValueOrDefault(term) + 1;
            }
            chunkTerms[index] = (counts.Keys.ToArray(), counts.Values.ToArray());
        }

        // Counting sort of (term, chunk) pairs into one posting array per field; chunks stay in order within a term.
        var termStarts = new int[terms.Count + 1];
        foreach (var (chunkTermIds, _) in chunkTerms)
        {
            foreach (var term in chunkTermIds)
            {
                termStarts[term + 1]++;
            }
        }
        for (var term = 0; term < terms.Count; term++)
        {
            termStarts[term + 1] += termStarts[term];
        }
        var postingChunks = new int[termStarts[^1]];
        var postingCounts = new int[termStarts[^1]];
        var next = termStarts[..^1];
        for (var index = 0; index < count; index++)
        {
            var (chunkTermIds, chunkCounts) = chunkTerms[index];
            for (var position = 0; position < chunkTermIds.Length; position++)
            {
                var slot = next[chunkTermIds[position]]++;
                postingChunks[slot] = index;
                postingCounts[slot] = chunkCounts[position];
            }
        }
        return new KnowledgeIndex(ids, vectors, dimensions, terms, termStarts, postingChunks, postingCounts, lengths, termBytes);
    }

    public IReadOnlyList<RankedChunk> Search(ReadOnlySpan<float> queryVector, string queryText, int topK, double minCosine)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(topK);
        ArgumentNullException.ThrowIfNull(queryText);
        if (Count == 0 || topK == 0)
        {
            return [];
        }
        if (queryVector.Length != dimensions)
        {
            throw new ArgumentException($"The query vector has {queryVector.Length} dimensions, the index {dimensions}.", nameof(queryVector));
        }

        var cosines = ArrayPool<float>.Shared.Rent(Count);
        var keywordScores = ArrayPool<double>.Shared.Rent(Count);
        try
        {
            Cosines(queryVector, cosines);
            Array.Clear(keywordScores, 0, Count);
            Bm25(queryText, keywordScores);
            var candidates = new List<int>();
            for (var index = 0; index < Count; index++)
            {
                if (keywordScores[index] > 0 || cosines[index] >= minCosine)
                {
                    candidates.Add(index);
                }
            }
            return Fuse(candidates, cosines, keywordScores, topK);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(cosines);
            ArrayPool<double>.Shared.Return(keywordScores);
        }
    }

    private static void StoreUnit(ReadOnlySpan<float> vector, Span<float> destination)
    {
        var norm = TensorPrimitives.Norm(vector);
        // A zero vector stays zero: cosine 0 with everything.
        if (norm > 0 && float.IsFinite(norm))
        {
            TensorPrimitives.Divide(vector, norm, destination);
        }
    }

    private void Cosines(ReadOnlySpan<float> queryVector, float[] cosines)
    {
        var query = ArrayPool<float>.Shared.Rent(dimensions);
        try
        {
            var unit = query.AsSpan(0, dimensions);
            unit.Clear();
            StoreUnit(queryVector, unit);
            var all = vectors.AsSpan();
            for (var index = 0; index < Count; index++)
            {
                cosines[index] = TensorPrimitives.Dot(all.Slice(index * dimensions, dimensions), unit);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(query);
        }
    }

    private void Bm25(string queryText, double[] scores)
    {
        foreach (var token in KeywordTokenizer.Tokenize(queryText).Distinct(StringComparer.Ordinal))
        {
            if (!terms.TryGetValue(token, out var term))
            {
                continue;
            }
            var start = termStarts[term];
            var end = termStarts[term + 1];
            var documentFrequency = end - start;
            var idf = Math.Log(1 + (Count - documentFrequency + 0.5) / (documentFrequency + 0.5));
            for (var posting = start; posting < end; posting++)
            {
                var chunk = postingChunks[posting];
                double frequency = postingCounts[posting];
                scores[chunk] += idf * frequency * (K1 + 1) / (frequency + K1 * (1 - B + B * lengths[chunk] / averageLength));
            }
        }
    }

    private List<RankedChunk> Fuse(List<int> candidates, float[] cosines, double[] keywordScores, int topK)
    {
        var fused = new Dictionary<int, double>(candidates.Count);
        foreach (var (index, rank) in Ranks(candidates, index => cosines[index]))
        {
            fused[index] = 1.0 / (FusionK + rank);
        }
        foreach (var (index, rank) in Ranks(candidates.Where(index => keywordScores[index] > 0), index => keywordScores[index]))
        {
            fused[index] += 1.0 / (FusionK + rank);
        }
        // Ties go to the closer vector, then to the earlier chunk, so the order never depends on sort stability.
        return candidates
            .OrderByDescending(index => fused[index]).ThenByDescending(index => cosines[index]).ThenBy(index => index)
            .Take(topK)
            .Select(index => new RankedChunk(ids[index], fused[index], cosines[index], keywordScores[index]))
            .ToList();
    }

    /// <summary>1-based ranks by descending score; equal scores share a rank (1, 2, 2, 4), so a tie favours no chunk.</summary>
    private static IEnumerable<(int Index, int Rank)> Ranks(IEnumerable<int> indexes, Func<int, double> score)
    {
        var ordered = indexes.OrderByDescending(score).ToList();
        var rank = 0;
        for (var position = 0; position < ordered.Count; position++)
        {
            if (position == 0 || score(ordered[position]) != score(ordered[position - 1]))
            {
                rank = position + 1;
            }
            yield return (ordered[position], rank);
        }
    }
}
