using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Embeddings;

/// <summary>Loads <see cref="ModelKind.Embedding"/> models: one GGUF file through LLamaSharp.</summary>
internal sealed class EmbeddingModelLoader(
    LlamaNativeLibrary nativeLibrary,
    IOptions<LlmOptions> llmOptions,
    IOptions<EmbeddingOptions> options,
    ILoggerFactory loggerFactory) : IModelLoader
{
    public IReadOnlyCollection<ModelKind> Kinds { get; } = [ModelKind.Embedding];

    public async Task<ILoadedModel> LoadAsync(ModelManifest manifest, string modelDirectory, CancellationToken cancellationToken)
    {
        var gguf = manifest.Files.Select(f => f.Path).FirstOrDefault(p => p.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
                   ?? Directory.EnumerateFiles(modelDirectory, "*.gguf").Select(Path.GetFileName).FirstOrDefault();
        if (gguf is null)
            throw new ModelLoadException("No .gguf file in the model folder or its manifest.");
        nativeLibrary.EnsureConfigured();
        var llm = llmOptions.Value;
        return await GgufEmbeddingModel.LoadAsync(manifest, Path.Combine(modelDirectory, gguf), options.Value.MaxInputTokens, llm,
            GgufModelLoader.DescribeDevice(nativeLibrary, llm), loggerFactory.CreateLogger<GgufEmbeddingModel>(), cancellationToken);
    }

    public string? PlannedDevice(ModelManifest manifest) => llmOptions.Value.GpuLayerCount > 0 ? DeviceMemory.Cuda0 : DeviceMemory.Cpu;
}
