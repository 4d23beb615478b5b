using BenchmarkDotNet.Attributes;
using PromptLeo.Web.Features.Knowledge;
using PromptLeo.Web.Features.Knowledge.Retrieval;

namespace PromptLeo.Bench.Knowledge;

/// <summary>One search: exact cosine over every vector, alone (baseline) or fused with BM25 over the query words.</summary>
[MemoryDiagnoser]
public class SearchBenchmarks
{
    private IKnowledgeIndex index = null!;
    private SyntheticCorpus corpus = null!;

    [Params(10_000, 100_000)]
    public int Chunks { get; set; }

    [Params(384, 1024)]
    public int Dimensions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        corpus = SyntheticCorpus.Create(Chunks, Dimensions);
        index = new KnowledgeIndexBuilder().Build(corpus.Chunks);
    }

    [Benchmark(Baseline = true)]
    public int CosineOnly() => index.Search(corpus.QueryVector, "", 5, 0.5).Count;

    [Benchmark]
    public int Hybrid() => index.Search(corpus.QueryVector, corpus.QueryText, 5, 0.5).Count;

    [Benchmark]
    public int HybridCommonWord() => index.Search(corpus.QueryVector, corpus.CommonQueryText, 5, 0.5).Count;
}

/// <summary>Building the index from decrypted chunks (copying vectors, tokenizing, inverting): what a cold search pays once.</summary>
[MemoryDiagnoser]
public class BuildBenchmarks
{
    private List<IndexedChunk> chunks = null!;

    [Params(10_000, 100_000)]
    public int Chunks { get; set; }

    [Params(384)]
    public int Dimensions { get; set; }

    [GlobalSetup]
    public void Setup() => chunks = SyntheticCorpus.Create(Chunks, Dimensions).Chunks;

    [Benchmark]
    public int Build() => new KnowledgeIndexBuilder().Build(chunks).Count;
}
