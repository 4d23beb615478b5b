namespace PromptLeo.Inference.Devices;

/// <summary>
/// The memory pool a model's resident bytes count against: <c>cpu</c> (host memory) or <c>cuda:N</c> (a GPU's memory).
/// These are the keys of <see cref="InferenceOptions.MaxResidentBytesPerDevice"/>.
/// </summary>
public static class DeviceMemory
{
    /// <summary>Host memory.</summary>
    public const string Cpu = "cpu";

    /// <summary>The first GPU's memory.</summary>
    public const string Cuda0 = "cuda:0";

    /// <summary>
    /// The pool of a device as <see cref="DeviceStatus.Device"/> names it: <c>CPU</c> → <c>cpu</c>, <c>CUDA:1</c> →
    /// <c>cuda:1</c>, llama.cpp's <c>GPU (n layers offloaded)</c> → <c>cuda:0</c> (llama.cpp's main GPU).
    /// </summary>
    public static string KeyOf(DeviceStatus device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var name = device.Device.Trim();
        if (name.StartsWith("CUDA:", StringComparison.OrdinalIgnoreCase))
            return name.ToLowerInvariant();
        return name.StartsWith("GPU", StringComparison.OrdinalIgnoreCase) ? Cuda0 : Cpu;
    }

    /// <summary>
    /// A configuration key for a pool, compared without case, colons, dashes or underscores: a colon separates sections
    /// in .NET configuration, so <c>cuda:0</c> is written <c>cuda0</c> (or <c>cuda-0</c>) in settings.
    /// </summary>
    public static string Normalize(string key) =>
        new(key.Where(c => c is not (':' or '-' or '_') && !char.IsWhiteSpace(c)).Select(char.ToLowerInvariant).ToArray());
}
