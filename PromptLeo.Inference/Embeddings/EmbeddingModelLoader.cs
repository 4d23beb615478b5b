using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Embeddings;

/// <summary>
/// Loads <see cref="ModelKind.Embedding"/> models: one GGUF file through LLamaSharp, or a BERT-style ONNX export
/// (<c>model.onnx</c> + <c>vocab.txt</c>) through ONNX Runtime.
/// </summary>
internal sealed class EmbeddingModelLoader(
    LlamaNativeLibrary nativeLibrary,
    ExecutionProviderSelector selector,
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
        {
            if (!File.Exists(Path.Combine(modelDirectory, OnnxEmbeddingModel.ModelFileName)))
                throw new ModelLoadException($"No .gguf file and no {OnnxEmbeddingModel.ModelFileName} in the model folder.");
            return await Task.Run(ILoadedModel () => selector.CreateWithFallback(selection =>
                OnnxEmbeddingModel.Load(manifest, modelDirectory, selection, options.Value.MaxInputTokens)), cancellationToken);
        }
        nativeLibrary.EnsureConfigured();
        var llm = llmOptions.Value;
        return await GgufEmbeddingModel.LoadAsync(manifest, Path.Combine(modelDirectory, gguf), options.Value.MaxInputTokens, llm,
            GgufModelLoader.DescribeDevice(nativeLibrary, llm), loggerFactory.CreateLogger<GgufEmbeddingModel>(), cancellationToken);
    }

    // The files decide the runtime, and only the load can tell where ONNX Runtime lands; GGUF follows the llama.cpp settings.
    public string? PlannedDevice(ModelManifest manifest) =>
        manifest.Files.Any(f => f.Path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)) && llmOptions.Value.GpuLayerCount > 0 ? DeviceMemory.Cuda0 : null;
}
