using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Devices;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web;

public sealed class CudaPortalFactory : PortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Inference:Device"] = "Cuda" };
}

public sealed class DeviceStartupTests
{
    [Fact]
    public void DeviceCuda_StartUp_FailsWithReasonExactlyWhenCudaIsUnusable()
    {
        bool cudaUsable;
        using (var probe = new PortalFactory())
        {
            var selector = probe.Services.GetRequiredService<ExecutionProviderSelector>();
            try
            {
                using var selection = selector.Select(DevicePreference.Cuda);
                cudaUsable = true;
            }
            catch (DeviceUnavailableException)
            {
                cudaUsable = false;
            }
        }

        using var factory = new CudaPortalFactory();
        if (cudaUsable)
        {
            Assert.NotNull(factory.CreateClient());
        }
        else
        {
            var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
            var unavailable = ex as DeviceUnavailableException ?? ex.InnerException as DeviceUnavailableException ?? Assert.IsType<DeviceUnavailableException>(ex.GetBaseException());
            Assert.Contains("Inference:Device is 'Cuda'", unavailable.Message);
            Assert.Contains("CUDA 13", unavailable.Message);
        }
    }

    [Fact]
    public void DeviceAuto_StartUp_Succeeds()
    {
        using var factory = new PortalFactory();
        Assert.NotNull(factory.CreateClient());
    }
}
