using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptLeo.Inference;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Diffusion;

/// <summary>What the Stable Diffusion and FLUX runs of the benchmark share: positional numbers, the loader, the device line.</summary>
internal static class BenchSupport
{
    public static int Number(string[] args, int index, int fallback) =>
        args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;

    /// <summary>The production loader on device Auto; <c>--spin</c> turns intra-op spinning on.</summary>
    public static DiffusionModelLoader Loader(string[] args) => DiffusionModelLoader.Create(
        new ExecutionProviderSelector(
            Options.Create(new InferenceOptions { Device = DevicePreference.Auto }),
            Options.Create(new DiffusionOptions { AllowSpinning = args.Contains("--spin") }),
            NullLogger<ExecutionProviderSelector>.Instance),
        NullLoggerFactory.Instance);

    public static string DeviceLine(DeviceStatus device) =>
        $"device: {device.Device}{(device.FallbackReason is null ? "" : " (fallback: " + device.FallbackReason + ")")}";

    public static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
