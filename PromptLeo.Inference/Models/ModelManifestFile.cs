using System.Text.Json;
using System.Text.Json.Serialization;

namespace PromptLeo.Inference.Models;

/// <summary>Reads and writes <c>manifest.json</c> (camelCase JSON, kinds as strings such as <c>"chat"</c>).</summary>
public static class ModelManifestFile
{
    /// <summary>File name of the manifest inside a model folder.</summary>
    public const string FileName = "manifest.json";

    /// <summary>The serializer options used for manifests.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads the manifest in <paramref name="modelDirectory"/>.</summary>
    /// <exception cref="ModelLoadException">The file is missing or not a valid manifest.</exception>
    public static async Task<ModelManifest> ReadAsync(string modelDirectory, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(modelDirectory, FileName);
        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync<ModelManifest>(stream, JsonOptions, cancellationToken)
                   ?? throw new ModelLoadException($"{FileName}: empty document.");
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException($"{FileName}: not a valid manifest ({ex.Message}).", ex);
        }
        catch (IOException ex)
        {
            throw new ModelLoadException($"{FileName}: cannot be read ({ex.Message}).", ex);
        }
    }

    /// <summary>Reads the manifest in <paramref name="modelDirectory"/> synchronously (it is a small file).</summary>
    /// <exception cref="ModelLoadException">The file is missing or not a valid manifest.</exception>
    public static ModelManifest Read(string modelDirectory)
    {
        var path = Path.Combine(modelDirectory, FileName);
        try
        {
            return JsonSerializer.Deserialize<ModelManifest>(File.ReadAllBytes(path), JsonOptions)
                   ?? throw new ModelLoadException($"{FileName}: empty document.");
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException($"{FileName}: not a valid manifest ({ex.Message}).", ex);
        }
        catch (IOException ex)
        {
            throw new ModelLoadException($"{FileName}: cannot be read ({ex.Message}).", ex);
        }
    }

    /// <summary>Writes <paramref name="manifest"/> into <paramref name="modelDirectory"/> (atomically replacing it).</summary>
    public static async Task WriteAsync(string modelDirectory, ModelManifest manifest, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(modelDirectory);
        var path = Path.Combine(modelDirectory, FileName);
        var temp = path + ".tmp";
        await using (var stream = File.Create(temp))
            await JsonSerializer.SerializeAsync(stream, manifest, JsonOptions, cancellationToken);
        File.Move(temp, path, overwrite: true);
    }
}
