using System.Diagnostics;
using System.Runtime.CompilerServices;
using PromptLeo.Web.Features.Knowledge.Retrieval;

namespace PromptLeo.Bench.Knowledge;

public static class IndexMemory
{
    /// <summary>One table row; its own method so the previous row's corpus and index are dead before this one is measured.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static string Measure(int count, int dimensions)
    {
        var corpus = SyntheticCorpus.Create(count, dimensions);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var index = new KnowledgeIndexBuilder().Build(corpus.Chunks);
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(corpus);
        GC.KeepAlive(index);
        return $"| {count:N0} | {dimensions} | {index.ApproximateBytes / 1e6:0.0} | {(after - before) / 1e6:0.0} | {allocated / 1e6:0} | {clock.Elapsed.TotalSeconds:0.00} |";
    }
}
