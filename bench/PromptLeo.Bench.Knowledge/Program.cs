// Knowledge retrieval benchmark: exact hybrid search (cosine + BM25) and index build on synthetic collections.
// usage: dotnet run -c Release --project bench/PromptLeo.Bench.Knowledge -- [memory | BenchmarkDotNet arguments, e.g. --filter '*']
using System.Diagnostics;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using PromptLeo.Bench.Knowledge;
using PromptLeo.Web.Features.Knowledge.Retrieval;

if (args is ["memory", ..])
{
    // What one index holds: its own estimate against the managed heap it really added, and the cold build time.
    Console.WriteLine("| chunks | dims | ApproximateBytes MB | heap growth MB | allocated during build MB | build s |");
    Console.WriteLine("|---|---|---|---|---|---|");
    foreach (var (count, dimensions) in new[] { (10_000, 384), (100_000, 384), (10_000, 1024), (100_000, 1024) })
    {
        Console.WriteLine(IndexMemory.Measure(count, dimensions));
    }
    return;
}

// In-process: no child build per benchmark (the machine is shared); p50/p95 beside the mean.
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(2).WithIterationCount(10))
    .AddColumn(StatisticColumn.P50, StatisticColumn.P95)
    .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "promptleo-bench-knowledge"));
BenchmarkSwitcher.FromAssembly(typeof(SearchBenchmarks).Assembly).Run(args, config);
