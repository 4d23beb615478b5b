using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptLeo.Inference;
using PromptLeo.Inference.Devices;
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
        var size = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 512;
        var steps = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4;
        var hidden = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 512;
        var layers = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 8;
        var directory = Path.Combine(Path.GetTempPath(), "promptleo-bench-flux-" + Environment.ProcessId);
        try
        {
            var manifest = TinyFluxModelWriter.Write(directory, new TinyFluxModelOptions
            {
                Id = "bench-flux", HiddenSize = hidden, TransformerLayers = layers, JointWidth = 64, PooledWidth = 64,
            });
            var selector = new ExecutionProviderSelector(
                Options.Create(new InferenceOptions { Device = DevicePreference.Auto }),
                Options.Create(new DiffusionOptions { AllowSpinning = args.Contains("--spin") }),
                NullLogger<ExecutionProviderSelector>.Instance);
            await using var model = (FluxModel)await DiffusionModelLoader.Create(selector, NullLoggerFactory.Instance).LoadAsync(manifest, directory, CancellationToken.None);
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

            static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
            var tokens = size / 16 * (size / 16);
            Console.WriteLine($"device: {model.Device.Device}{(model.Device.FallbackReason is null ? "" : " (fallback: " + model.Device.FallbackReason + ")")}");
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
