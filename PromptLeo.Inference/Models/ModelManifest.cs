using System.Text.Json.Serialization;

namespace PromptLeo.Inference.Models;

/// <summary>What a model does.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelKind>))]
public enum ModelKind
{
    [JsonStringEnumMemberName("chat")] Chat,
    [JsonStringEnumMemberName("diffusion")] Diffusion,
    [JsonStringEnumMemberName("background-removal")] BackgroundRemoval,
    [JsonStringEnumMemberName("embedding")] Embedding,
}

/// <summary>One file of a model, relative to the model's folder.</summary>
public sealed record ModelFile(string Path, string? Sha256 = null, long? SizeBytes = null, string? Url = null);

/// <summary>
/// The small <c>manifest.json</c> stored next to each installed model.
/// </summary>
public sealed record ModelManifest
{
    public required string Id { get; init; }
    public required string DisplayName { get; init; }
    public required ModelKind Kind { get; init; }
    public IReadOnlyList<ModelFile> Files { get; init; } = [];
    public string License { get; init; } = "unknown";
    public int ContextLength { get; init; }
    /// <summary>Default generation parameters (for example temperature, steps, guidance).</summary>
    public IReadOnlyDictionary<string, double> DefaultParameters { get; init; } = new Dictionary<string, double>();
    /// <summary>Keys into the billing price list, for example <c>input_token</c> → <c>qwen2.5-7b:input</c>.</summary>
    public IReadOnlyDictionary<string, string> PriceKeys { get; init; } = new Dictionary<string, string>();
    /// <summary>
    /// Expected bytes in memory once loaded (weights plus working memory such as the KV cache), so the registry can make
    /// room before loading. Without it the registry plans with the size of the model's files.
    /// </summary>
    public long? ResidentBytes { get; init; }
    /// <summary>True for the tiny random-weight models written by the demo writers.</summary>
    public bool IsDemo { get; init; }
    /// <summary>Free-form settings for the loader (for example normalisation or input size of a segmentation model).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}
