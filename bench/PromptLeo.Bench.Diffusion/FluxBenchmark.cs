using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Diffusion.Flux;
using PromptLeo.Inference.Models.Demo;

/// <summary>
/// <c>--flux [size] [steps] [hidden] [layers]</c>: one FLUX.1-schnell-shaped generation on a generated transformer
/// sized so its step dominates, reporting the share of wall time inside ONNX Runtime and wall/CPU time per step.
/// </summary>
internal static class FluxBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var size = BenchSupport.Number(args, 0, 512);
        var steps = BenchSupport.Number(args, 1, 4);
        var hidden = BenchSupport.Number(args, 2, 1024);
        var layers = BenchSupport.Number(args, 3, 8);
        var directory = Path.Combine(Path.GetTempPath(), "promptleo-bench-flux-" + Environment.ProcessId);
        try
        {
            var manifest = TinyFluxModelWriter.Write(directory, new TinyFluxModelOptions
            {
                Id = "bench-flux", HiddenSize = hidden, TransformerLayers = layers, JointWidth = 64, PooledWidth = 64,
            });
            await using var model = (FluxModel)await BenchSupport.Loader(args).LoadAsync(manifest, directory, CancellationToken.None);
            var pipeline = model.CreatePipeline(NullLogger.Instance);
            var request = new ImageRequest
            {
                ModelId = manifest.Id, Prompt = "a cinematic photo of a red house in a forest", Width = size, Height = size, Steps = steps,
                GuidanceScale = 0, Seed = 1, Scheduler = SchedulerKind.FlowMatchEuler,
            };

            // Warm-up: the first run pays for ORT's arena growth and JIT.
            pipeline.Run(new DiffusionJob(request with { Steps = 1 }, 1), null, CancellationToken.None);

            // Process CPU time at each step's progress report; steps 2..N are pure denoising steps.
            var stats = new PipelineStats();
            var cpuAtStep = new List<TimeSpan>();
            pipeline.Run(new DiffusionJob(request, 1, Stats: stats), new StepClock(cpuAtStep), CancellationToken.None);
            var cpuPerStep = steps > 1 ? (cpuAtStep[^1] - cpuAtStep[0]) / (steps - 1) : TimeSpan.Zero;
            var encodeStart = Stopwatch.GetTimestamp();
            ImageCodec.EncodePng(new float[3 * size * size], size, size);
            var encode = Stopwatch.GetElapsedTime(encodeStart);

            static string F(double value) => BenchSupport.F(value);
            var tokens = size / 16 * (size / 16);
            Console.WriteLine(BenchSupport.DeviceLine(model.Device));
            Console.WriteLine($"model: FLUX-shaped transformer, hidden {hidden}, {layers} layers; {size}x{size} ({tokens} image tokens, {model.TextSequenceLength} text tokens), {steps} steps, FlowMatch Euler");
            Console.WriteLine($"total wall: {F(stats.Total.TotalSeconds)} s; wall per step: {F(stats.UNetLoop.TotalMilliseconds / steps)} ms");
            Console.WriteLine($"process CPU time (all threads) per denoising step: {F(cpuPerStep.TotalMilliseconds)} ms");
            Console.WriteLine($"inside ORT Run (text encoders + transformer + VAE) / total wall: {F(stats.InsideOrt / stats.Total)}");
            Console.WriteLine($"inside transformer Run / denoising loop wall: {F(stats.InsideUNet / stats.UNetLoop)}");
            Console.WriteLine($"peak managed allocation per step: {stats.MaxAllocatedBytesPerStep} bytes; whole loop: {stats.LoopAllocatedBytes} bytes");
            Console.WriteLine($"PNG encode of one {size}x{size} image (outside ORT): {F(encode.TotalMilliseconds)} ms");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class StepClock(List<TimeSpan> cpuAtStep) : IProgress<ImageProgress>
    {
        public void Report(ImageProgress value) => cpuAtStep.Add(Process.GetCurrentProcess().TotalProcessorTime);
    }
}
