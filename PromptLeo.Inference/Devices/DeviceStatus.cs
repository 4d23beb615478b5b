namespace PromptLeo.Inference.Devices;

/// <summary>Which execution device an operator asks for.</summary>
public enum DevicePreference
{
    Auto,
    Cuda,
    Cpu,
}

/// <summary>The device a model actually runs on, and why (for example the reason CUDA fell back to CPU).</summary>
public sealed record DeviceStatus(string Device, string? FallbackReason = null);
