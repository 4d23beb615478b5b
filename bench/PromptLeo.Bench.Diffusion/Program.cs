// Image engine benchmark: a 20-step text-to-image generation on a generated model with a heavy UNet.
// Reports the share of wall time spent inside ONNX Runtime Run and the managed allocation per denoising step.
// Usage: dotnet run -c Release --project bench/PromptLeo.Bench.Diffusion [-- <size> <steps> <channels> <layers> [--spin] [--save out.png]]
// With --sdxl it runs the tiny SDXL demo model as written for tests and demo mode (size 0 = its default size, CFG 5).
//        dotnet run -c Release --project bench/PromptLeo.Bench.Diffusion -- --flux [<size> <steps> <hidden> <layers>] (FluxBenchmark.cs)
using Microsoft.Extensions.Logging.Abstractions;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models.Demo;

if (args.Contains("--flux"))
{
    await FluxBenchmark.RunAsync(args.Where(a => a != "--flux").ToArray());
    return;
}

var size = BenchSupport.Number(args, 0, 512);
var steps = BenchSupport.Number(args, 1, 20);
var channels = BenchSupport.Number(args, 2, 64);
var layers = BenchSupport.Number(args, 3, 6);

var sdxl = args.Contains("--sdxl");
var directory = Path.Combine(Path.GetTempPath(), "promptleo-bench-diffusion-" + Environment.ProcessId);
try
{
    var manifest = sdxl
        ? TinyStableDiffusionXLModelWriter.Write(directory)
        : TinyDiffusionModelWriter.Write(directory, new TinyDiffusionModelOptions
        {
            Id = "bench-heavy-unet", UNetChannels = channels, UNetResidualLayers = layers, TextHiddenSize = 64,
        });
    var loader = BenchSupport.Loader(args);
    await using var model = (IDiffusionModel)await loader.LoadAsync(manifest, directory, CancellationToken.None);
    var pipeline = model.CreatePipeline(NullLogger.Instance);
    size = size == 0 ? model.Capabilities.DefaultWidth : size;
    var request = new ImageRequest
    {
        ModelId = manifest.Id, Prompt = "a cinematic photo of a red house in a forest", NegativePrompt = "blurry",
        Width = size, Height = size, Steps = steps, GuidanceScale = sdxl ? 5f : 7.5f, Seed = 1, Scheduler = SchedulerKind.Euler,
    };

    // Warm-up: first runs pay for ORT's arena growth and JIT.
    pipeline.Run(new DiffusionJob(request with { Steps = 2 }, 1), null, CancellationToken.None);

    var stats = new PipelineStats();
    var result = pipeline.Run(new DiffusionJob(request, 1, Stats: stats), null, CancellationToken.None);
    if (Array.IndexOf(args, "--save") is var saveAt and >= 0 && saveAt + 1 < args.Length)
    {
        File.WriteAllBytes(args[saveAt + 1], result.Images[0].Png);
    }

    static string F(double value) => BenchSupport.F(value);
    Console.WriteLine(BenchSupport.DeviceLine(model.Device));
    Console.WriteLine(sdxl
        ? $"model: tiny SDXL demo ({model.Capabilities.Family}, {model.Capabilities.Precision}); {size}x{size}, {steps} steps, CFG batch 2, Euler"
        : $"model: UNet {channels} channels, {layers} residual layers; {size}x{size}, {steps} steps, CFG batch 2, Euler");
    Console.WriteLine($"total wall: {F(stats.Total.TotalSeconds)} s; per step: {F(stats.UNetLoop.TotalMilliseconds / steps)} ms");
    Console.WriteLine($"inside ORT Run (text encoder + UNet + VAE) / total wall: {F(stats.InsideOrt / stats.Total)}");
    Console.WriteLine($"inside UNet Run / denoising loop wall: {F(stats.InsideUNet / stats.UNetLoop)}");
    Console.WriteLine($"peak managed allocation per step: {stats.MaxAllocatedBytesPerStep} bytes; whole loop: {stats.LoopAllocatedBytes} bytes");
    var encodeStart = System.Diagnostics.Stopwatch.GetTimestamp();
    var noise = new float[3 * size * size];
    new GaussianNoise(5).Fill(noise);
    ImageCodec.EncodePng(noise, size, size);
    Console.WriteLine($"PNG encode of one {size}x{size} noise image (outside ORT): {F(System.Diagnostics.Stopwatch.GetElapsedTime(encodeStart).TotalMilliseconds)} ms");
    Console.WriteLine($"latent tensor size for comparison: {4 * (size / 8) * (size / 8) * sizeof(float)} bytes");
}
finally
{
    Directory.Delete(directory, recursive: true);
}
