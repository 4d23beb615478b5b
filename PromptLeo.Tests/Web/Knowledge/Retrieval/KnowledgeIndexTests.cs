using PromptLeo.Web.Features.Knowledge;
using PromptLeo.Web.Features.Knowledge.Retrieval;

namespace PromptLeo.Tests.Web.Knowledge.Retrieval;

public class KnowledgeIndexTests
{
    private const double MinCosine = 0.5;
    private static readonly Guid Collection = Guid.NewGuid();

    [Fact]
    public void Search_KeywordOnlyHit_FoundAlthoughTheVectorIsFar()
    {
        var (index, ids) = Build(
            ("Die Kündigungsfrist beträgt drei Monate zum Quartalsende.", Axis(0)),
            ("Invoices are payable within thirty days.", Axis(1)),
            ("The office opens at eight.", Axis(2)));

        var results = index.Search(Axis(3), "Wie lang ist die Kündigungsfrist?", 5, MinCosine);

        var hit = Assert.Single(results);
        Assert.Equal(ids[0], hit.ChunkId);
        Assert.True(hit.Bm25 > 0);
        Assert.Equal(0, hit.Cosine, 6);
    }

    [Fact]
    public void Search_VectorOnlyHitAboveMinCosine_FoundBelowIsNot()
    {
        var (index, ids) = Build(
            ("Notice period: three months.", Mix(0, 1, 0.9)),
            ("Payment within thirty days.", Mix(1, 2, 0.3)),
            ("Office hours from eight.", Axis(2)));

        var results = index.Search(Axis(0), "termination deadline", 5, MinCosine);

        var hit = Assert.Single(results);
        Assert.Equal(ids[0], hit.ChunkId);
        Assert.Equal(0.9, hit.Cosine, 4);
        Assert.Equal(0, hit.Bm25);
        Assert.Equal(1.0 / 61, hit.Score, 9);
    }

    [Theory]
    [InlineData("der die das und the and of is")]
    [InlineData("Die, der; THE! and?")]
    [InlineData("")]
    public void Search_OnlyStopWords_NothingRelevant(string query)
    {
        var (index, _) = Build(
            ("Der Vertrag und die Anlage gelten für das Jahr.", Axis(0)),
            ("The contract and the annex are part of the agreement.", Axis(1)));

        Assert.Empty(index.Search(Axis(2), query, 5, MinCosine));
    }

    [Fact]
    public void Search_BothRankings_FusedByReciprocalRank()
    {
        var (index, ids) = Build(
            ("Warranty claims expire after two years.", Mix(0, 1, 0.95)),   // both: keyword and close vector
            ("The warranty card lies in the box, warranty warranty.", Axis(1)), // keyword only, strongest BM25
            ("Guarantee periods end after twenty-four months.", Mix(0, 2, 0.8)), // vector only
            ("Unrelated cooking recipe with onions.", Axis(3)));

        var results = index.Search(Axis(0), "warranty", 10, MinCosine);

        Assert.Equal([ids[0], ids[1], ids[2]], results.Select(result => result.ChunkId));
        // Chunk 0: cosine rank 1, BM25 rank 2. Chunk 1: cosine rank 3, BM25 rank 1. Chunk 2: cosine rank 2 only.
        Assert.Equal(1.0 / 61 + 1.0 / 62, results[0].Score, 9);
        Assert.Equal(1.0 / 63 + 1.0 / 61, results[1].Score, 9);
        Assert.Equal(1.0 / 62, results[2].Score, 9);
        Assert.True(results[1].Bm25 > results[0].Bm25);
    }

    [Fact]
    public void Search_TopK_BestOnly()
    {
        var chunks = Enumerable.Range(0, 20).Select(number => ($"Clause {number} about liability.", Mix(0, 1, 1 - number / 100.0))).ToArray();
        var (index, ids) = Build(chunks);

        var results = index.Search(Axis(0), "liability", 3, MinCosine);

        Assert.Equal(ids.Take(3), results.Select(result => result.ChunkId));
        Assert.Empty(index.Search(Axis(0), "liability", 0, MinCosine));
    }

    [Fact]
    public void Search_UmlautsAndSpellings_MatchEachOther()
    {
        var (index, ids) = Build(("Die maximale Größe beträgt zwei Meter.", Axis(0)), ("Cafe au lait", Axis(1)));

        Assert.Equal(ids[0], Assert.Single(index.Search(Axis(2), "groesse", 5, MinCosine)).ChunkId);
        Assert.Equal(ids[1], Assert.Single(index.Search(Axis(2), "café", 5, MinCosine)).ChunkId);
    }

    [Fact]
    public void Search_RareTermOutranksCommonTerm()
    {
        var (index, ids) = Build(
            ("contract contract renewal", Axis(1)),
            ("contract terms", Axis(1)),
            ("contract signature", Axis(1)),
            ("arbitration contract", Axis(1)));

        var results = index.Search(Axis(0), "arbitration contract", 5, MinCosine);

        Assert.Equal(ids[3], results[0].ChunkId);
        Assert.Equal(4, results.Count);
    }

    [Fact]
    public void Search_EmptyIndex_Empty()
    {
        var index = new KnowledgeIndexBuilder().Build([]);

        Assert.Equal(0, index.Count);
        Assert.Empty(index.Search(Axis(0), "anything", 5, MinCosine));
    }

    [Fact]
    public void Build_VectorsOfDifferentDimensions_ArgumentException()
    {
        var chunks = new[]
        {
            new IndexedChunk(Guid.NewGuid(), Collection, Axis(0), "a"),
            new IndexedChunk(Guid.NewGuid(), Collection, new float[Dimensions + 1], "b"),
        };

        var error = Assert.Throws<ArgumentException>(() => new KnowledgeIndexBuilder().Build(chunks));

        Assert.Contains("dimensions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Search_QueryOfOtherDimension_ArgumentException()
    {
        var (index, _) = Build(("text", Axis(0)));

        Assert.Throws<ArgumentException>(() => index.Search(new float[Dimensions - 1], "text", 5, MinCosine));
    }

    [Fact]
    public void ApproximateBytes_CoversTheVectors()
    {
        var (index, _) = Build(("alpha beta", Axis(0)), ("gamma delta", Axis(1)));

        Assert.Equal(2, index.Count);
        Assert.InRange(index.ApproximateBytes, 2 * Dimensions * sizeof(float), 4096);
    }

    [Fact]
    public void Search_ZeroVectors_OnlyKeywordsCount()
    {
        var (index, ids) = Build(("zero vector chunk", new float[Dimensions]), ("other", Axis(1)));

        Assert.Equal(ids[0], Assert.Single(index.Search(new float[Dimensions], "vector", 5, MinCosine)).ChunkId);
        Assert.Empty(index.Search(new float[Dimensions], "nothing", 5, MinCosine));
    }

    private const int Dimensions = 8;

    private static float[] Axis(int axis)
    {
        var vector = new float[Dimensions];
        vector[axis] = 3; // not unit length: the index normalizes
        return vector;
    }

    /// <summary>A unit vector whose cosine with axis <paramref name="main"/> is <paramref name="cosine"/>; the rest points along <paramref name="other"/>.</summary>
    private static float[] Mix(int main, int other, double cosine)
    {
        var vector = new float[Dimensions];
        vector[main] = (float)cosine;
        vector[other] = (float)Math.Sqrt(1 - cosine * cosine);
        return vector;
    }

    private static (IKnowledgeIndex Index, Guid[] Ids) Build(params (string Text, float[] Vector)[] chunks)
    {
        var indexed = chunks.Select(chunk => new IndexedChunk(Guid.NewGuid(), Collection, chunk.Vector, chunk.Text)).ToList();
        return (new KnowledgeIndexBuilder().Build(indexed), indexed.Select(chunk => chunk.ChunkId).ToArray());
    }
}
