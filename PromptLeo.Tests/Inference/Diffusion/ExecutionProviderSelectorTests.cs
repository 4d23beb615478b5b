using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using PromptLeo.Inference;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Diffusion;

namespace PromptLeo.Tests.Inference.Diffusion;

public sealed class ExecutionProviderSelectorTests
{
    private static ExecutionProviderSelector Selector(DevicePreference preference, DiffusionOptions? options = null) => new(
        Options.Create(new InferenceOptions { Device = preference }),
        Options.Create(options ?? new DiffusionOptions()),
        NullLogger<ExecutionProviderSelector>.Instance);

    private static bool CudaWorksHere()
    {
        using var options = new SessionOptions();
        try
        {
            options.AppendExecutionProvider_CUDA(0);
            return true;
        }
        catch (OnnxRuntimeException)
        {
            return false;
        }
    }

    [Fact]
    public void Select_Cpu_UsesCpuWithoutReasonAndAppliesOptions()
    {
        using var selection = Selector(DevicePreference.Cpu, new DiffusionOptions { IntraOpThreads = 1, EnableMemoryArena = false, OptimizationLevel = OnnxOptimizationLevel.Basic }).Select();

        Assert.Equal(new DeviceStatus("CPU"), selection.Status);
        Assert.Equal(1, selection.Options.IntraOpNumThreads);
        Assert.False(selection.Options.EnableCpuMemArena);
        Assert.Equal(GraphOptimizationLevel.ORT_ENABLE_BASIC, selection.Options.GraphOptimizationLevel);
    }

    [Fact]
    public void Select_AutoOnThisMachine_MatchesWhetherCudaLoads()
    {
        using var selection = Selector(DevicePreference.Auto).Select();

        if (CudaWorksHere())
        {
            Assert.Equal(new DeviceStatus("CUDA:0"), selection.Status);
        }
        else
        {
            Assert.Equal("CPU", selection.Status.Device);
            Assert.Contains("CUDA execution provider unavailable", selection.Status.FallbackReason, StringComparison.Ordinal);
            Assert.Contains("CUDA 13", selection.Status.FallbackReason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Select_AutoWhenCudaFails_FallsBackToCpuWithReason()
    {
        var selector = new ExecutionProviderSelector(
            Options.Create(new InferenceOptions()), Options.Create(new DiffusionOptions()), NullLogger<ExecutionProviderSelector>.Instance)
        {
            AppendCuda = _ => throw new DllNotFoundException("libcublasLt.so.13: cannot open shared object file"),
        };

        using var selection = selector.Select(DevicePreference.Auto);

        Assert.Equal("CPU", selection.Status.Device);
        Assert.Contains("libcublasLt.so.13", selection.Status.FallbackReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_CudaWhenCudaFails_ThrowsClearError()
    {
        var selector = new ExecutionProviderSelector(
            Options.Create(new InferenceOptions()), Options.Create(new DiffusionOptions()), NullLogger<ExecutionProviderSelector>.Instance)
        {
            AppendCuda = _ => throw new DllNotFoundException("libcublasLt.so.13: cannot open shared object file"),
        };

        var error = Assert.Throws<DeviceUnavailableException>(() => selector.Select(DevicePreference.Cuda));

        Assert.Contains("Inference:Device is 'Cuda'", error.Message, StringComparison.Ordinal);
        Assert.Contains("CUDA 13 and cuDNN 9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateWithFallback_AutoWhenSessionCreationFailsOnCuda_RetriesOnCpuWithReason()
    {
        var selector = new ExecutionProviderSelector(
            Options.Create(new InferenceOptions()), Options.Create(new DiffusionOptions()), NullLogger<ExecutionProviderSelector>.Instance)
        {
            AppendCuda = _ => { }, // the provider library loads, but creating a session on it fails
        };
        var devices = new List<string>();

        var status = selector.CreateWithFallback(selection =>
        {
            devices.Add(selection.Status.Device);
            return selection.Status.Device == "CUDA:0"
                ? throw new PromptLeo.Inference.Models.ModelLoadException("unet/model.onnx: ONNX Runtime cannot load the file", new DllNotFoundException("CUDA driver version is insufficient"))
                : selection.Status;
        });

        Assert.Equal(["CUDA:0", "CPU"], devices);
        Assert.Equal("CPU", status.Device);
        Assert.Contains("creating sessions on CUDA:0 failed", status.FallbackReason, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateWithFallback_SignatureError_IsNotRetried()
    {
        var selector = new ExecutionProviderSelector(
            Options.Create(new InferenceOptions()), Options.Create(new DiffusionOptions()), NullLogger<ExecutionProviderSelector>.Instance)
        {
            AppendCuda = _ => { },
        };
        var calls = 0;

        Assert.Throws<PromptLeo.Inference.Models.ModelLoadException>(() => selector.CreateWithFallback<int>(_ =>
        {
            calls++;
            throw new PromptLeo.Inference.Models.ModelLoadException("unet/model.onnx: input 'timestep' missing");
        }));
        Assert.Equal(1, calls);
    }

    [Fact]
    public void Select_CudaOnThisMachine_ThrowsUnlessCudaLoads()
    {
        if (CudaWorksHere())
        {
            using var selection = Selector(DevicePreference.Cuda).Select();
            Assert.Equal("CUDA:0", selection.Status.Device);
        }
        else
        {
            Assert.Throws<DeviceUnavailableException>(() => Selector(DevicePreference.Cuda).Select());
        }
    }
}
