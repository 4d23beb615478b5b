using PromptLeo.Inference.Models;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptLeo.Inference;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models.Demo;

/// <summary>
/// fp32 against fp16 (and bf16) of the same bench model: weight file bytes, process working set after load and after one
/// generation, and seconds per denoising step. Each precision runs in a child process of its own, so the memory one
/// leaves behind does not count for the next; the parent prints ratios against fp32 from the same run.
/// </summary>
internal static class PrecisionBench
{
    private static readonly TensorPrecision[] Precisions = [TensorPrecision.Float32, TensorPrecision.Float16, TensorPrecision.BFloat16];

    public static async Task<int> RunAsync(string[] args)
    {
        // precision [size steps] | precision-one <precision> size steps
        var first = args[0] == "precision-one" ? 2 : 1;
        var size = args.Length > first ? int.Parse(args[first], CultureInfo.InvariantCulture) : 512;
        var steps = args.Length > first + 1 ? int.Parse(args[first + 1], CultureInfo.InvariantCulture) : 4;
        if (args[0] == "precision-one")
        {
            await MeasureAsync(Enum.Parse<TensorPrecision>(args[1]), size, steps);
            return 0;
        }

        // Started as `dotnet PromptLeo.Bench.Diffusion.dll` the process is dotnet itself, which needs the assembly again.
        string[] self = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? [typeof(PrecisionBench).Assembly.Location] : [];

        var rows = new Dictionary<TensorPrecision, Dictionary<string, double>>();
        foreach (var precision in Precisions)
        {
            var child = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, [.. self, "precision-one", precision.ToString(), $"{size}", $"{steps}"])
            {
                RedirectStandardOutput = true,
            })!;
            var output = await child.StandardOutput.ReadToEndAsync();
            await child.WaitForExitAsync();
            rows[precision] = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split('='))
                .Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0].Trim(), parts => double.Parse(parts[1], CultureInfo.InvariantCulture));
        }

        Console.WriteLine($"memory model: UNet 320 channels, 6 residual layers, text 1024, one 128x128 step; speed model: UNet 64 channels, 6 layers, text 64, {size}x{size}, {steps} steps; CFG batch 2, Euler, CPU");
        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {Environment.OSVersion}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine("| measure | " + string.Join(" | ", Precisions) + " | " + string.Join(" | ", Precisions.Skip(1).Select(p => $"{p} / fp32")) + " |");
        foreach (var key in rows[TensorPrecision.Float32].Keys)
        {
            var baseline = rows[TensorPrecision.Float32][key];
            Console.WriteLine($"| {key} | " + string.Join(" | ", Precisions.Select(p => F(rows[p][key]))) + " | "
                + string.Join(" | ", Precisions.Skip(1).Select(p => F(rows[p][key] / baseline))) + " |");
        }

        return 0;
    }

    private static async Task MeasureAsync(TensorPrecision precision, int size, int steps)
    {
        // Memory on a model whose weights dominate (SD-like widths: 320-channel UNet, 1024-wide text encoder) at a small
        // image size; speed on the usual bench model at the requested size.
        var memoryModel = new TinyDiffusionModelOptions { Id = "bench-memory", UNetChannels = 320, UNetResidualLayers = 6, TextHiddenSize = 1024, Precision = precision };
        await RunAsync(memoryModel, size: 128, steps: 1, (directory, baseline, loaded, generated, _) =>
        {
            Console.WriteLine($"weight files MiB (memory model)={F(ModelFolder.WeightBytes(directory) / 1048576.0)}");
            Console.WriteLine($"working set growth at load MiB={F(loaded - baseline)}");
            Console.WriteLine($"working set growth after one 128x128 generation MiB={F(generated - baseline)}");
        });
        var speedModel = new TinyDiffusionModelOptions { Id = "bench-speed", UNetChannels = 64, UNetResidualLayers = 6, TextHiddenSize = 64, Precision = precision };
        await RunAsync(speedModel, size, steps, (directory, _, _, _, stats) =>
        {
            Console.WriteLine($"weight files MiB (speed model)={F(ModelFolder.WeightBytes(directory) / 1048576.0)}");
            Console.WriteLine($"s per step at {size}x{size}={F(stats.UNetLoop.TotalSeconds / steps)}");
        });
    }

    private static async Task RunAsync(TinyDiffusionModelOptions options, int size, int steps, Action<string, double, double, double, PipelineStats> report)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"promptleo-bench-{options.Id}-{Environment.ProcessId}");
        try
        {
            var manifest = TinyDiffusionModelWriter.Write(directory, options);
            var baseline = WorkingSetMiB();
            var selector = new ExecutionProviderSelector(
                Options.Create(new InferenceOptions { Device = DevicePreference.Cpu }),
                Options.Create(new DiffusionOptions()),
                NullLogger<ExecutionProviderSelector>.Instance);
            await using var model = (DiffusionModel)await DiffusionModelLoader.Create(selector, NullLoggerFactory.Instance)
                .LoadAsync(manifest, directory, CancellationToken.None);
            var loaded = WorkingSetMiB();
            var pipeline = new StableDiffusionPipeline(model, NullLogger.Instance);
            var request = new ImageRequest
            {
                ModelId = manifest.Id, Prompt = "a cinematic photo of a red house in a forest", Width = size, Height = size,
                Steps = 1, GuidanceScale = 7.5f, Seed = 1, Scheduler = SchedulerKind.Euler,
            };
            // Warm-up step: ORT's arena growth and JIT are paid here, then the measured run.
            pipeline.Run(new DiffusionJob(request, 1), null, CancellationToken.None);
            var stats = new PipelineStats();
            pipeline.Run(new DiffusionJob(request with { Steps = steps }, 1, Stats: stats), null, CancellationToken.None);
            report(directory, baseline, loaded, WorkingSetMiB(), stats);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static double WorkingSetMiB()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 / 1048576.0;
    }

    private static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
