using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using PromptLeo.Inference.Diffusion;

namespace PromptLeo.Inference.Devices;

/// <summary>Session options plus the device they target. Dispose after the sessions are created.</summary>
public sealed class DeviceSelection(SessionOptions options, DeviceStatus status) : IDisposable
{
    /// <summary>Options to pass to <see cref="InferenceSession"/>.</summary>
    public SessionOptions Options { get; } = options;

    /// <summary>The device the sessions will run on and, after a fallback, why.</summary>
    public DeviceStatus Status { get; } = status;

    /// <inheritdoc />
    public void Dispose() => Options.Dispose();
}

/// <summary>CUDA was asked for explicitly and cannot be used.</summary>
public sealed class DeviceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Builds ONNX Runtime <see cref="SessionOptions"/> from <see cref="DiffusionOptions"/> and the
/// <see cref="InferenceOptions.Device"/> preference: Auto tries CUDA and falls back to CPU with the reason,
/// Cuda fails with <see cref="DeviceUnavailableException"/>, Cpu uses the CPU provider.
/// </summary>
public sealed class ExecutionProviderSelector(
    IOptions<InferenceOptions> inferenceOptions,
    IOptions<DiffusionOptions> diffusionOptions,
    ILogger<ExecutionProviderSelector> logger)
{
    /// <summary>Device name reported for the CPU provider.</summary>
    public const string CpuDevice = "CPU";

    /// <summary>Device name reported for CUDA device 0.</summary>
    public const string CudaDevice = "CUDA:0";

    // Seam for tests: appending the CUDA provider is the step that fails on hosts without CUDA 13 / cuDNN 9.
    internal Action<SessionOptions> AppendCuda { get; init; } = static o => o.AppendExecutionProvider_CUDA(0);

    /// <summary>Creates session options for the configured device preference.</summary>
    public DeviceSelection Select() => Select(inferenceOptions.Value.Device);

    /// <summary>Creates session options for <paramref name="preference"/>.</summary>
    public DeviceSelection Select(DevicePreference preference)
    {
        if (preference == DevicePreference.Cpu)
        {
            return new DeviceSelection(CreateBaseOptions(), new DeviceStatus(CpuDevice));
        }

        var options = CreateBaseOptions();
        try
        {
            AppendCuda(options);
            logger.LogInformation("ONNX Runtime uses the CUDA execution provider on {Device}", CudaDevice);
            return new DeviceSelection(options, new DeviceStatus(CudaDevice));
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
        {
            options.Dispose();
            var reason = $"CUDA execution provider unavailable: {FirstLine(ex.Message)} (ONNX Runtime 1.31 needs CUDA 13 and cuDNN 9)";
            if (preference == DevicePreference.Cuda)
            {
                throw new DeviceUnavailableException($"Inference:Device is 'Cuda' but {reason}.", ex);
            }

            logger.LogWarning("Falling back to the CPU execution provider: {Reason}", reason);
            return new DeviceSelection(CreateBaseOptions(), new DeviceStatus(CpuDevice, reason));
        }
    }

    /// <summary>
    /// Runs <paramref name="create"/> (which creates the model's sessions) with the configured device. With
    /// <see cref="DevicePreference.Auto"/>, a failure while creating sessions on CUDA (for example a driver that does
    /// not match) is retried once on CPU and the reason is recorded. Signature errors
    /// (<see cref="Models.ModelLoadException"/> without an inner exception) are not retried.
    /// </summary>
    public T CreateWithFallback<T>(Func<DeviceSelection, T> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        var preference = inferenceOptions.Value.Device;
        string reason;
        using (var selection = Select(preference))
        {
            if (preference != DevicePreference.Auto || selection.Status.Device == CpuDevice)
            {
                return create(selection);
            }

            try
            {
                return create(selection);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not Models.ModelLoadException { InnerException: null })
            {
                reason = $"creating sessions on {CudaDevice} failed: {FirstLine(ex.Message)}";
                logger.LogWarning("Falling back to the CPU execution provider: {Reason}", reason);
            }
        }

        using var cpu = new DeviceSelection(CreateBaseOptions(), new DeviceStatus(CpuDevice, reason));
        return create(cpu);
    }

    private SessionOptions CreateBaseOptions()
    {
        var settings = diffusionOptions.Value;
        var options = new SessionOptions
        {
            GraphOptimizationLevel = settings.OptimizationLevel switch
            {
                OnnxOptimizationLevel.Disabled => GraphOptimizationLevel.ORT_DISABLE_ALL,
                OnnxOptimizationLevel.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                OnnxOptimizationLevel.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
            },
            EnableCpuMemArena = settings.EnableMemoryArena,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", settings.AllowSpinning ? "1" : "0");
        if (settings.IntraOpThreads > 0)
        {
            options.IntraOpNumThreads = settings.IntraOpThreads;
        }

        return options;
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] : line;
    }
}
