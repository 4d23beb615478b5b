using LLama;
using LLama.Common;
using LLama.Exceptions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Llm;

/// <summary>Loads <see cref="ModelKind.Chat"/> models (one GGUF file) with LLamaSharp and starts their batch loop.</summary>
internal sealed class GgufModelLoader(
    LlamaNativeLibrary nativeLibrary,
    IOptions<LlmOptions> options,
    LlmMetrics metrics,
    PromptCacheDirectory promptCaches,
    ILoggerFactory loggerFactory) : IModelLoader
{
    /// <summary>llama.cpp's LLAMA_MAX_SEQ: sequence ids per context.</summary>
    private const int MaxSequenceIds = 256;

    private readonly ILogger _logger = loggerFactory.CreateLogger<GgufModelLoader>();

    public IReadOnlyCollection<ModelKind> Kinds { get; } = [ModelKind.Chat];

    public async Task<ILoadedModel> LoadAsync(ModelManifest manifest, string modelDirectory, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var fileName = manifest.Files.Select(f => f.Path).FirstOrDefault(p => p.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
                       ?? Directory.EnumerateFiles(modelDirectory, "*.gguf").Select(Path.GetFileName).FirstOrDefault()
                       ?? throw new ModelLoadException("No .gguf file in the model folder or its manifest.");
        var path = Path.Combine(modelDirectory, fileName);

        // Check the bytes ourselves first: llama.cpp may crash or give no reason on a bad file.
        var info = await Task.Run(() => GgufFileValidator.Validate(path), cancellationToken);

        nativeLibrary.EnsureConfigured();
        var trainedContext = info.ContextLength > 0 ? info.ContextLength
            : manifest.ContextLength > 0 ? manifest.ContextLength : 2048;
        var kvCells = o.ContextSize > 0 ? o.ContextSize : trainedContext;
        // Kept conversations hold sequence ids beside the running ones.
        var promptCacheEntries = Math.Max(0, Math.Min(o.PromptCacheMaxEntries, MaxSequenceIds - o.MaxParallelSequences));
        var parameters = new ModelParams(path)
        {
            ContextSize = (uint)kvCells,
            GpuLayerCount = o.GpuLayerCount,
            SeqMax = (uint)(o.MaxParallelSequences + promptCacheEntries),
            KVUnified = true, // one pool of cells shared by all conversations, not n_ctx / n_seq each
            BatchSize = (uint)o.BatchSize,
            Threads = o.Threads,
            BatchThreads = o.Threads,
            LoadMode = o.UseMemoryMap ? LLama.Native.LLamaLoadMode.MemoryMap : LLama.Native.LLamaLoadMode.None,
        };

        var weights = await LoadWeightsAsync(parameters, fileName, cancellationToken);
        try
        {
            ChatPromptBuilder.EnsureTemplateApplies(weights, fileName);
        }
        catch (ModelLoadException)
        {
            weights.Dispose();
            throw;
        }

        try
        {
            var scheduler = new ContinuousBatchScheduler(manifest.Id, weights, parameters, trainedContext, promptCacheEntries, o,
                metrics, promptCaches, loggerFactory.CreateLogger<ContinuousBatchScheduler>());
            // Kept conversations live in these cells too: the prompt cache adds no memory beyond them.
            var kvBytes = ContinuousBatchScheduler.BytesPerCell(weights) * scheduler.KvCells;
            return new LlamaChatModel(manifest, weights, scheduler, DescribeDevice(nativeLibrary, o), (long)weights.SizeInBytes + kvBytes);
        }
        catch (Exception ex)
        {
            weights.Dispose();
            _logger.LogWarning(ex, "Model {ModelId}: creating the context failed", manifest.Id);
            throw new ModelLoadException($"{fileName}: the model loaded but llama.cpp could not create a context ({ex.Message}).", ex);
        }
    }

    /// <summary>Loads the weights; a file llama.cpp refuses becomes a <see cref="ModelLoadException"/> naming it (chat and embedding models).</summary>
    internal static async Task<LLamaWeights> LoadWeightsAsync(ModelParams parameters, string fileName, CancellationToken cancellationToken)
    {
        try
        {
            return await LLamaWeights.LoadFromFileAsync(parameters, cancellationToken);
        }
        catch (LoadWeightsFailedException ex)
        {
            throw new ModelLoadException($"{fileName}: llama.cpp could not load the model (unsupported architecture or corrupt tensors).", ex);
        }
    }

    // No native call before the load: a build without a GPU backend is corrected by the measured device afterwards.
    public string? PlannedDevice(ModelManifest manifest) => options.Value.GpuLayerCount > 0 ? DeviceMemory.Cuda0 : DeviceMemory.Cpu;

    /// <summary>Where llama.cpp runs a model with these options (also for GGUF embedding models).</summary>
    internal static DeviceStatus DescribeDevice(LlamaNativeLibrary nativeLibrary, LlmOptions o)
    {
        if (o.GpuLayerCount <= 0)
            return new DeviceStatus("CPU");
        return nativeLibrary.SupportsGpuOffload
            ? new DeviceStatus($"GPU ({o.GpuLayerCount} layers offloaded)")
            : new DeviceStatus("CPU", "GpuLayerCount is set, but the loaded llama.cpp library has no GPU backend; " +
                                      "point Inference:Llm:NativeLibraryPath at a CUDA build.");
    }
}
