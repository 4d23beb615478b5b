namespace PromptLeo.Inference.Models;

/// <summary>Facts about an installed model's folder that the registry and the loaders share.</summary>
public static class ModelFolder
{
    /// <summary>
    /// Bytes of the weight files (everything but the small <c>.json</c> configs and <c>.txt</c> vocabularies, so ONNX
    /// graphs with their external data, GGUF files): the resident size a loaded model is measured or planned by.
    /// </summary>
    public static long WeightBytes(string modelDirectory) =>
        new DirectoryInfo(modelDirectory).EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => !f.Name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !f.Name.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
            .Sum(f => f.Length);
}
