using PromptLeo.Inference.Embeddings;

namespace PromptLeo.Inference.Models.Demo;

/// <summary>Size and identity of a generated random-weight embedding model.</summary>
public sealed record DemoEmbeddingModelOptions
{
    /// <summary>Registry id and folder name.</summary>
    public string Id { get; init; } = DemoEmbeddingModelWriter.DemoModelId;
    /// <summary>Vector length.</summary>
    public int EmbeddingLength { get; init; } = 64;
    public int BlockCount { get; init; } = 2;
    public int ContextLength { get; init; } = 512;
    /// <summary>Declared Matryoshka-capable, so requests may ask for fewer dimensions (exercises truncation and renormalization).</summary>
    public bool Matryoshka { get; init; } = true;
    public int Seed { get; init; } = 7;
}

/// <summary>
/// Writes a tiny random-weight embedding model: the demo chat model's <c>llama</c> architecture and vocabulary with
/// <c>llama.pooling_type</c> = mean in its metadata and no chat template. It loads through the same path as a real GGUF
/// embedding model; its vectors are deterministic but carry no meaning ("Demo (random weights)").
/// </summary>
public static class DemoEmbeddingModelWriter
{
    public const string DemoModelId = "demo-embedding";

    /// <summary>llama.cpp's LLAMA_POOLING_TYPE_MEAN.</summary>
    private const uint MeanPooling = 1;

    public static async Task<ModelManifest> WriteAsync(string modelsDirectory, DemoEmbeddingModelOptions options, CancellationToken cancellationToken = default)
    {
        var gguf = DemoChatModelWriter.CreateGguf(new DemoChatModelOptions
        {
            Id = options.Id,
            EmbeddingLength = options.EmbeddingLength,
            BlockCount = options.BlockCount,
            ContextLength = options.ContextLength,
            Seed = options.Seed,
            ChatTemplate = "",
        }).Add("llama.pooling_type", MeanPooling);
        var directory = Path.Combine(modelsDirectory, options.Id);
        var file = await DemoChatModelWriter.WriteGgufAsync(gguf, directory, cancellationToken);
        var manifest = new ModelManifest
        {
            Id = options.Id,
            DisplayName = $"Embedding {options.EmbeddingLength}d — Demo (random weights)",
            Kind = ModelKind.Embedding,
            Files = [file],
            License = "none (random weights, generated locally)",
            ContextLength = options.ContextLength,
            IsDemo = true,
            Settings = options.Matryoshka ? new Dictionary<string, string> { [EmbeddingSettings.Matryoshka] = "true", [EmbeddingSettings.MinDimensions] = "8" } : new Dictionary<string, string>(),
        };
        await ModelManifestFile.WriteAsync(directory, manifest, cancellationToken);
        return manifest;
    }

    /// <summary>Writes the demo embedding model into <c>&lt;modelsDirectory&gt;/demo-embedding</c> unless it is there already.</summary>
    public static async Task<ModelManifest> WriteDemoFilesAsync(string modelsDirectory, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        var directory = Path.Combine(modelsDirectory, DemoModelId);
        if (!overwrite && File.Exists(Path.Combine(directory, DemoChatModelWriter.GgufFileName))
                       && File.Exists(Path.Combine(directory, ModelManifestFile.FileName)))
            return await ModelManifestFile.ReadAsync(directory, cancellationToken);
        return await WriteAsync(modelsDirectory, new DemoEmbeddingModelOptions(), cancellationToken);
    }
}
