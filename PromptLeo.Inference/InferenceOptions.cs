using System.ComponentModel.DataAnnotations;
using PromptLeo.Inference.Devices;

namespace PromptLeo.Inference;

/// <summary>The <c>Inference</c> configuration section.</summary>
public sealed class InferenceOptions
{
    public const string SectionName = "Inference";

    /// <summary>
    /// Folder with one sub-folder per installed model. Required: the host supplies the default when the configuration
    /// leaves it empty (the web app post-configures <c>&lt;data&gt;/models</c>). It is read at first use, never in a
    /// constructor, so <c>PostConfigure</c> always applies.
    /// </summary>
    public string ModelsDirectory { get; set; } = "";

    /// <summary>Write the tiny random-weight demo models at start.</summary>
    public bool CreateDemoModels { get; set; }

    /// <summary>Load all installed models at start instead of on first use.</summary>
    public bool PreloadModels { get; set; }

    /// <summary>
    /// Resident-memory cap per device (each device separately) where <see cref="MaxResidentBytesPerDevice"/> names none.
    /// Before a load, idle models on the model's device are unloaded (least recently used first) to make room; a model
    /// that still does not fit is refused. 0 = unlimited.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MaxResidentBytes { get; set; }

    /// <summary>
    /// Caps per device pool (<see cref="DeviceMemory"/>): keys <c>cpu</c>, <c>cuda0</c>, <c>cuda1</c>, … (a colon would
    /// split the configuration key, so <c>cuda:0</c> is written <c>cuda0</c>). 0 = unlimited for that device.
    /// </summary>
    public Dictionary<string, long> MaxResidentBytesPerDevice { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Seconds after its last request that an idle model is unloaded (like Ollama's keep_alive); 0 = never.
    /// </summary>
    [Range(0, 30 * 86_400)]
    public int IdleUnloadSeconds { get; set; }

    /// <summary>The cap for a device pool (<see cref="DeviceMemory.KeyOf"/>): its own entry, else <see cref="MaxResidentBytes"/>.</summary>
    public long MaxResidentBytesFor(string deviceKey)
    {
        var wanted = DeviceMemory.Normalize(deviceKey);
        foreach (var (key, bytes) in MaxResidentBytesPerDevice)
        {
            if (DeviceMemory.Normalize(key) == wanted)
                return bytes;
        }

        return MaxResidentBytes;
    }

    public DevicePreference Device { get; set; } = DevicePreference.Auto;

    /// <summary>
    /// How often the files of loaded models are compared with what was loaded (size, time, header hash); a model whose
    /// file was deleted or changed is marked failed. Every request also compares size and time. 0 = no periodic check.
    /// </summary>
    [Range(0, 86_400)]
    public int ModelFileCheckSeconds { get; set; } = 30;

    /// <summary>Where model installs fetch <c>&lt;repo&gt;/resolve/&lt;revision&gt;/&lt;path&gt;</c>; an internal mirror may replace Hugging Face.</summary>
    [Url]
    public string HuggingFaceBaseUrl { get; set; } = "https://huggingface.co";

    /// <summary>
    /// Access token for gated repositories (sent as <c>Authorization: Bearer</c> to the base URL's host only, never to the
    /// CDN it redirects to). A secret: set it through the environment or a credential file, not on the command line.
    /// </summary>
    public string? HuggingFaceToken { get; set; }

    /// <summary>Free disk space an install must leave on the models drive; an install that would go below it is refused before it starts.</summary>
    [Range(0, long.MaxValue)]
    public long InstallDiskReserveBytes { get; set; } = 64L << 20;
}
