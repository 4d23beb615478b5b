using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace PromptLeo.Inference.Devices;

/// <summary>
/// With <c>Inference:Device=Cuda</c> the host refuses to start when the CUDA execution provider cannot be used, so an
/// operator sees the reason at once instead of at the first request. Auto and Cpu start regardless.
/// </summary>
internal sealed class CudaStartupCheck(ExecutionProviderSelector selector, IOptions<InferenceOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Device == DevicePreference.Cuda)
        {
            // Throws DeviceUnavailableException with the missing library (CUDA 13 / cuDNN 9) in the message.
            using var selection = selector.Select(DevicePreference.Cuda);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
