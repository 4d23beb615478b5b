using System.Globalization;
using System.Text;
using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.Logging;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Embeddings;

/// <summary>
/// A GGUF embedding model (E5, BGE-M3, Qwen3-Embedding conversions) served by LLamaSharp's <see cref="LLamaEmbedder"/>:
/// one context, one text at a time (the embedder clears its cells per text).
/// </summary>
internal sealed class GgufEmbeddingModel : IEmbeddingModel
{
    private readonly LLamaWeights _weights;
    private readonly LLamaEmbedder _embedder;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private GgufEmbeddingModel(ModelManifest manifest, LLamaWeights weights, LLamaEmbedder embedder, LLamaPoolingType pooling, EmbeddingModelInfo info, DeviceStatus device, long residentBytes)
    {
        Pooling = pooling;
        Manifest = manifest;
        _weights = weights;
        _embedder = embedder;
        Info = info;
        Device = device;
        ResidentBytes = residentBytes;
    }

    public ModelManifest Manifest { get; }
    public EmbeddingModelInfo Info { get; }
    public DeviceStatus Device { get; }
    public long ResidentBytes { get; }
    /// <summary>The pooling the context runs with (from the file's metadata, else the manifest, else mean).</summary>
    public LLamaPoolingType Pooling { get; }

    /// <summary>Loads <paramref name="path"/>; the context holds <paramref name="maxTokens"/> cells, all processed in one batch.</summary>
    public static async Task<GgufEmbeddingModel> LoadAsync(ModelManifest manifest, string path, int maxTokens, LlmOptions options, DeviceStatus device, ILogger logger, CancellationToken cancellationToken)
    {
        var fileName = Path.GetFileName(path);
        var info = await Task.Run(() => GgufFileValidator.Validate(path), cancellationToken);
        var trained = info.ContextLength > 0 ? info.ContextLength : manifest.ContextLength > 0 ? manifest.ContextLength : 512;
        var cells = (uint)Math.Min(trained, maxTokens);
        // A non-causal encoder (BERT, XLM-R) must see a whole text in one micro-batch.
        var parameters = new ModelParams(path)
        {
            ContextSize = cells,
            BatchSize = cells,
            UBatchSize = cells,
            Embeddings = true,
            GpuLayerCount = options.GpuLayerCount,
            Threads = options.Threads,
            BatchThreads = options.Threads,
            LoadMode = options.UseMemoryMap ? LLamaLoadMode.MemoryMap : LLamaLoadMode.None,
        };

        var weights = await GgufModelLoader.LoadWeightsAsync(parameters, fileName, cancellationToken);
        try
        {
            parameters.PoolingType = PoolingOf(weights, manifest, fileName);
            var embedder = new LLamaEmbedder(weights, parameters, logger);
            var settings = manifest.Settings;
            var matryoshka = settings.TryGetValue(EmbeddingSettings.Matryoshka, out var m) && bool.TryParse(m, out var isMatryoshka) && isMatryoshka;
            var kvBytes = ContinuousBatchScheduler.BytesPerCell(weights) * cells;
            return new GgufEmbeddingModel(manifest, weights, embedder, parameters.PoolingType, new EmbeddingModelInfo(embedder.EmbeddingSize, (int)cells, matryoshka), device, (long)weights.SizeInBytes + kvBytes);
        }
        catch (Exception ex) when (ex is not ModelLoadException)
        {
            weights.Dispose();
            throw new ModelLoadException($"{fileName}: the model loaded but llama.cpp could not create an embedding context ({ex.Message}).", ex);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    // The file's own <arch>.pooling_type wins, as the converter wrote it from the model's sentence-transformers config.
    private static LLamaPoolingType PoolingOf(LLamaWeights weights, ModelManifest manifest, string fileName)
    {
        var declared = weights.Metadata.TryGetValue("general.architecture", out var arch)
                       && weights.Metadata.TryGetValue(arch + ".pooling_type", out var raw)
                       && int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? (LLamaPoolingType)value
            : LLamaPoolingType.Unspecified;
        if (declared == LLamaPoolingType.Rank)
            throw new ModelLoadException($"{fileName}: this is a reranking model (pooling 'rank'), not an embedding model.");
        if (declared is LLamaPoolingType.Mean or LLamaPoolingType.CLS or LLamaPoolingType.Last)
            return declared;
        return manifest.Settings.TryGetValue(EmbeddingSettings.Pooling, out var named) ? named.ToLowerInvariant() switch
        {
            "mean" => LLamaPoolingType.Mean,
            "cls" => LLamaPoolingType.CLS,
            "last" => LLamaPoolingType.Last,
            _ => throw new ModelLoadException($"{fileName}: setting '{EmbeddingSettings.Pooling}' is '{named}'; use mean, cls or last."),
        } : LLamaPoolingType.Mean;
    }

    // As the embedder tokenizes: with BOS, special tokens parsed.
    public int CountTokens(string text) => _weights.Tokenize(text, true, true, Encoding.UTF8).Length;

    public async Task<(float[] Vector, int Tokens)> EmbedAsync(string text, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // LLamaSharp 0.30 makes a fresh context per call; with pooling it returns one vector.
            var vectors = await _embedder.GetEmbeddings(text, cancellationToken);
            return (vectors[0], CountTokens(text));
        }
        catch (ArgumentException ex)
        {
            throw new EmbeddingRequestException("input", $"An input is longer than the model's {Info.MaxInputTokens} tokens. ({ex.GetType().Name})");
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Wait for the text in progress: its context is freed below.
        await _gate.WaitAsync();
        _embedder.Dispose();
        _weights.Dispose();
        _gate.Dispose();
    }
}
